"""Web room: aiohttp handlers for HTML pages, AS2 documents, inboxes and well-known endpoints."""
