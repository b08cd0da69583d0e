"""Web API: what circlefed does not have (filters, lists, announcements, bookmarks), as empty answers."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    """No routes yet."""
