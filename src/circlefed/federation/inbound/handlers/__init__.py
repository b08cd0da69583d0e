"""Federation: inbound activity handlers, one module per kind of activity, each exposing `handle(ctx, activity)`."""
