"""Web API: accounts other than one's own: circles as group accounts, members, their statuses, lookup."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    """No routes yet."""
