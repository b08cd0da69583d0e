"""Protocol room: pure ActivityPub JSON, signatures, WebFinger and NodeInfo; no database, network or aiohttp.web."""
