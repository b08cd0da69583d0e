"""Delivery room: the durable queue, backoff, per-destination health, sender and runner."""
