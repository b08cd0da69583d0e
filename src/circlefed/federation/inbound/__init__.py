"""Federation, inbound: accepting deliveries at the inboxes, verifying them, and giving each activity its meaning
(the dispatch table and one handler module per kind of activity), storing remote posts and backfilling circles."""
