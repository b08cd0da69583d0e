"""Federation room: what activities mean both ways: verify, inbound dispatch, outbound publish."""
