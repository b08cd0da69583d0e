"""Web API: the client APIs apps use (OAuth 2.0, Mastodon's client API): JSON in and out, Bearer tokens."""

from __future__ import annotations

from aiohttp import web

from circlefed.web.api import (
    account_views,
    accounts,
    apps,
    empty_answers,
    follows,
    instance,
    markers,
    media,
    notifications,
    oauth,
    preferences,
    reports,
    search,
    status_edits,
    statuses,
    timelines,
)
from circlefed.web.api.auth import setup_limits

MODULES = [
    instance,
    oauth,
    apps,
    accounts,
    account_views,
    follows,
    statuses,
    status_edits,
    timelines,
    notifications,
    markers,
    search,
    reports,
    media,
    preferences,
    empty_answers,
]


def setup_api(app: web.Application) -> None:
    """The per-token rate limits, then every API module's routes, each also with a trailing slash."""
    setup_limits(app)
    for module in MODULES:
        module.add_routes(app)
    _with_trailing_slashes(app)


def _with_trailing_slashes(app: web.Application) -> None:
    """Mastodon answers `/api/v1/reports/` as `/api/v1/reports`, and clients call both (Mastodon.py posts reports
    and reads the instance with the slash)."""
    routes = {
        (route.method, route.resource.canonical): route.handler
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    for (method, path), handler in routes.items():
        if path.startswith("/api/") and not path.endswith("/") and (method, f"{path}/") not in routes:
            app.router.add_route(method, f"{path}/", handler)
