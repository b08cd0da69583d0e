"""Web UI: a circle's moderation log for its facilitators, newest first, in keyset pages."""

from __future__ import annotations

from aiohttp import web

from circlefed.storage.models import ModerationLogEntry
from circlefed.web.ui.facilitate_common import Moderating, facilitator_page, page
from circlefed.web.ui.modlog_view import sentences
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url


@facilitator_page
async def log_page(request: web.Request, mod: Moderating) -> web.Response:
    entries = ModerationLogEntry.filter(circle_id=mod.circle.id).select_related("moderator")
    listing = await keyset_page(entries, "created_at", cursor_param(request))
    context = {
        "entries": listing.items,
        "sentences": await sentences(request, listing.items),
        "next_url": page_url(request, listing.next_cursor),
    }
    return await page(request, mod, "ui/facilitate/log.html", context)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/c/{slug}/facilitate/log", log_page, name="facilitate_log")
