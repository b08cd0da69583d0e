"""Web: content negotiation between HTML (browsers) and ActivityStreams/JSON (servers and API clients)."""

from __future__ import annotations

from aiohttp import web

AS2_TYPES = ("application/activity+json", "application/ld+json")


def wants_activity_json(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return any(kind in accept for kind in AS2_TYPES)


def wants_html(request: web.Request) -> bool:
    """True for browsers: they list text/html; servers and API clients ask for JSON or nothing."""
    accept = request.headers.get("Accept", "")
    if wants_activity_json(request) or "application/json" in accept.split(",")[0]:
        return False
    return "text/html" in accept
