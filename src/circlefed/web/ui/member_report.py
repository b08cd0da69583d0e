"""Web UI: a member reports a post to the circle's facilitators: why (a category, required) and, optionally, how."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.domain.reports import MAX_REASON, AlreadyReported
from circlefed.errors import CirclefedError
from circlefed.services.decisions import file_report
from circlefed.storage.models import Actor, Post, ReportCategory, Thread
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.guards import login_required
from circlefed.web.ui.member_access import Access, require_reportable
from circlefed.web.ui.member_posts import back_to, row_for_path
from circlefed.web.ui.render import redirect, render

log = logging.getLogger(__name__)
CATEGORIES = tuple(category.value for category in ReportCategory)


async def _reportable(request: web.Request) -> tuple[Thread | Post, Thread, Access]:
    row, thread, access = await row_for_path(request)
    require_reportable(row, access)
    return row, thread, access


@login_required
async def report_page(request: web.Request) -> web.Response:
    """The report form on a page of its own (the thread page has the same form inline)."""
    row, thread, access = await _reportable(request)
    return await _render(request, row, thread, access)


async def _render(
    request: web.Request, row: Thread | Post, thread: Thread, access: Access, form: Form | None = None
) -> web.Response:
    """The form again after a mistake (400), with what was chosen and typed, and the error next to its field."""
    errors = dict(form.errors) if form else {}
    context = {
        "circle": access.circle,
        "access": access,
        "thread": thread,
        "is_thread": isinstance(row, Thread),
        "action": request.path,
        "back": back_to(request, thread, row),
        "chosen": form.values.get("category", "") if form else "",
        "typed": form.values.get("reason", "") if form else "",
        "errors": errors,
    }
    return await render(request, "ui/member/report.html", context, status=400 if form else 200)


@login_required
async def send(request: web.Request) -> web.StreamResponse:
    """File the report (sent on to the circle's instance when it is elsewhere); a mistake shows the form again
    with what was typed; a second open report about the same post is not made."""
    row, thread, access = await _reportable(request)
    form = _read(await read_form(request))
    if not form.ok:
        return await _render(request, row, thread, access, form)
    assert access.actor is not None
    now = request.app[CLOCK].now()
    author = await Actor.get(id=row.author_id)
    back = back_to(request, thread, row)
    try:
        await file_report(
            request.app[SITE], access.circle, access.actor, object_uris=[row.uri], category=form.values["category"],
            reported_actor=author, reason=form.values["reason"], now=now,
        )
    except AlreadyReported:
        log.info("actor %s reported %s again while the first report is open: not filed", access.actor.id, row.uri)
        return redirect(request, back, "You reported this post already. The facilitators have your report; "
                        "you do not need to send it again.")
    except CirclefedError as exc:
        log.info("refused a report by actor %s: %s", access.actor.id, exc.message)
        return redirect(request, back, "We could not send that report.", kind="error")
    log.info("actor %s reported %s (%s)", access.actor.id, row.uri, form.values["category"])
    return redirect(request, back, "Thank you. The facilitators will look at your report.")


def _read(form: Form) -> Form:
    """`category` (one of CATEGORIES) and the optional words, kept as `reason` whatever the field's name (the
    thread page names each post's text field apart: `reason-<post>`)."""
    field = form.raw("reason_field")
    typed = form.raw(field if field.startswith("reason-") else "reason").strip()
    form.values["reason"] = typed
    if len(typed) > MAX_REASON:
        form.error("reason", f"Your words can be at most {MAX_REASON} characters long (they have {len(typed)}).")
    chosen = form.raw("category").strip()
    form.values["category"] = chosen
    if chosen not in CATEGORIES:
        form.error("category", "Choose why you are reporting this post.")
    return form


def add_routes(app: web.Application) -> None:
    for prefix in ("/threads/{thread_id}", "/posts/{post_id}"):
        app.router.add_get(f"{prefix}/report", report_page)
        app.router.add_post(f"{prefix}/report", send)
