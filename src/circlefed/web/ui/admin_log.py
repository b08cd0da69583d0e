"""Web UI: /admin/log: the whole instance's moderation log (filter by circle) and its CSV/JSON export."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain.circles import get_local_circle
from circlefed.domain.modlog import export_log
from circlefed.domain.modlog_export import FORMATS, log_rows, render_log
from circlefed.storage.models import Circle, ModerationLogEntry
from circlefed.web.ui.guards import admin_required
from circlefed.web.ui.modlog_view import sentences
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url
from circlefed.web.ui.render import render

PAGE = "/admin/log"
# The same columns as `circlefed moderation log`.


async def _circle_of(request: web.Request) -> Circle | None:
    slug = request.query.get("circle", "").strip()
    return await get_local_circle(slug) if slug else None  # NotFound: a 404 page naming the circle


@admin_required
async def log_page(request: web.Request) -> web.StreamResponse:
    circle = await _circle_of(request)
    entries = ModerationLogEntry.all().prefetch_related("moderator", "circle")
    if circle is not None:
        entries = entries.filter(circle_id=circle.id)
    page = await keyset_page(entries, "created_at", cursor_param(request))
    context = {
        "circle": circle,
        "circles": await Circle.filter(is_local=True).order_by("name"),
        "entries": page.items,
        "sentences": await sentences(request, page.items),
        "next_url": page_url(request, page.next_cursor),
    }
    return await render(request, "ui/admin/log.html", context)


@admin_required
async def export(request: web.Request) -> web.StreamResponse:
    output = request.query.get("format", "csv")
    if output not in FORMATS:
        output = "csv"
    circle = await _circle_of(request)
    rows = log_rows(await export_log(circle=circle))
    name = f"moderation_log{'_' + circle.slug if circle else ''}.{output}"
    return web.Response(
        text=render_log(rows, output),
        content_type="application/json" if output == "json" else "text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, log_page, name="admin_log")
    app.router.add_get(PAGE + "/export", export, name="admin_log_export")
