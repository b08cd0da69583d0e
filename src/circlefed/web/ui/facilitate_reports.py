"""Web UI: facilitators read the reports made in their circle and resolve them with what was done."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.domain import reports
from circlefed.errors import NotFound
from circlefed.services import decisions
from circlefed.storage.models import Actor, Post, Report, ReportState, Thread
from circlefed.web.keys import SITE
from circlefed.web.ui.facilitate_common import Moderating, facilitator_page, int_field, now, page
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.member_access import names
from circlefed.web.ui.message_links import writable
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url
from circlefed.web.ui.render import redirect

log = logging.getLogger(__name__)


@facilitator_page
async def reports_page(request: web.Request, mod: Moderating) -> web.Response:
    return await _render(request, mod)


async def _render(request: web.Request, mod: Moderating, form: Form | None = None) -> web.Response:
    query = await reports.reports_query(mod.viewer, circle=mod.circle)
    listing = await keyset_page(query.prefetch_related("reporter", "reported_actor"), "id", cursor_param(request))
    rows = await _rows_in_circle(mod, [report.object_uri for report in listing.items if report.object_uri])
    authors = {a.id: a for a in await Actor.filter(id__in=list({row.author_id for row, _ in rows.values()}))}
    items = []
    people: list[Actor] = []
    for report in listing.items:
        row, thread = rows.get(report.object_uri, (None, None))
        author = authors.get(row.author_id) if row is not None else None
        items.append({"report": report, "row": row, "thread": thread, "author": author})
        people += [p for p in (report.reporter, report.reported_actor, author) if p is not None]
    next_url = page_url(request, listing.next_cursor)
    shown = await names(mod.circle, people, for_facilitators=True)
    context = {
        "items": items, "names": shown, "form": form, "next_url": next_url, "labels": reports.CATEGORY_LABELS,
        "writable": await writable(mod.circle, mod.viewer, people),
    }
    return await page(request, mod, "ui/facilitate/reports.html", context, status=400 if form else 200)


async def _rows_in_circle(mod: Moderating, uris: list[str]) -> dict[str, tuple[Thread | Post, Thread]]:
    """The reported threads and replies by object id, with their thread, in a few queries; a report naming another
    circle's post shows no text here."""
    threads = {row.uri: row for row in await Thread.filter(uri__in=uris)}
    replies = [row for row in await Post.filter(uri__in=uris) if row.uri not in threads]
    in_circle = Thread.filter(circle_id=mod.circle.id)
    parents = {row.id: row for row in await in_circle.filter(id__in=[row.thread_id for row in replies])}
    found: dict[str, tuple[Thread | Post, Thread]] = {}
    for uri, thread in threads.items():
        if thread.circle_id == mod.circle.id:
            found[uri] = (thread, thread)
    for reply in replies:
        if reply.thread_id in parents:
            found[reply.uri] = (reply, parents[reply.thread_id])
    return found


@facilitator_page
async def resolve(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    report_id = int_field(form.raw("report_id"), "report")
    report = await Report.get_or_none(id=report_id, circle_id=mod.circle.id, state=ReportState.OPEN)
    if report is None:
        raise NotFound("That report is not open in this circle (someone may have resolved it already).")
    outcome = form.text("outcome", label="What was done", required=True, max_length=reports.MAX_REASON)
    if not form.ok:
        return await _render(request, mod, form)
    await decisions.resolve_report(request.app[SITE], report, mod.viewer, outcome=outcome, now=now(request))
    log.info("circle %s: report #%s resolved by actor %s", mod.circle.id, report.id, mod.viewer.id)
    return redirect(request, f"{mod.base}/reports", "Report resolved. The outcome is in the moderation log.")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/c/{slug}/facilitate/reports", reports_page, name="facilitate_reports")
    app.router.add_post("/c/{slug}/facilitate/reports/resolve", resolve)
