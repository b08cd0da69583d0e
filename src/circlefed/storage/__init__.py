"""Storage room: tortoise-orm models and read-only queries."""
