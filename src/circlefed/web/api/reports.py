"""Web API: a member reports posts from an app (POST /api/v1/reports), through the same checks and service as the
report page: members only, never one's own post, one open report per post."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.domain.reports import AlreadyReported
from circlefed.errors import BadRequest
from circlefed.protocol.vocab import format_datetime
from circlefed.services.decisions import file_report
from circlefed.storage.models import Actor, ReportCategory
from circlefed.web.api.auth import NO_STORE, bearer_required, list_param, read_params, text_param
from circlefed.web.api.status_views import Readable, readable_status, render_statuses, viewer_of
from circlefed.web.api.statuses import refused_as_mastodon
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.ui.member_access import require_reportable

log = logging.getLogger(__name__)
MAX_STATUSES = 20
# Mastodon's categories as circlefed's; circlefed's own names are taken as they are.
MASTODON_CATEGORIES = {"spam": ReportCategory.SPAM, "violation": ReportCategory.GROUND_RULES,
                       "legal": ReportCategory.OTHER, "other": ReportCategory.OTHER}


@bearer_required("write:reports")
@refused_as_mastodon
async def report(request: web.Request) -> web.StreamResponse:
    params = await read_params(request)
    category = _category(text_param(params, "category") or "other")
    comment = text_param(params, "comment")
    wanted = list_param(params, "status_ids")
    if not wanted:
        raise BadRequest("Choose the posts to report (status_ids): a circle's facilitators act on posts")
    if len(wanted) > MAX_STATUSES:
        raise BadRequest(f"A report names at most {MAX_STATUSES} posts")
    viewer, now = await viewer_of(request), request.app[CLOCK].now()
    assert viewer.actor is not None
    found = [await readable_status(raw, viewer, now) for raw in dict.fromkeys(wanted)]
    circles = {item.access.circle.id for item in found}
    if len(circles) != 1:
        raise BadRequest("A report names posts of one circle")
    for item in found:
        require_reportable(item.row, item.access)
    account_id = text_param(params, "account_id")
    (first_status,) = await render_statuses(request, found[0].access, found[0].thread, [found[0].row])
    target = first_status["account"]
    if account_id and account_id != target["id"]:
        raise BadRequest("The reported posts are not by this account")
    report_ids = [rid for item in found if (rid := await _file(request, item, category, comment)) is not None]
    if not report_ids:
        raise BadRequest("You reported these posts already. The facilitators have your report.")
    log.info("api: actor %d reported %d post(s) in circle %d", viewer.actor.id, len(report_ids), circles.pop())
    return web.json_response({
        "id": report_ids[0],
        "action_taken": False,
        "action_taken_at": None,
        "category": text_param(params, "category") or "other",
        "comment": comment,
        "forwarded": not found[0].access.circle.is_local,
        "created_at": format_datetime(now),
        "status_ids": list(dict.fromkeys(wanted)),
        "rule_ids": None,
        "target_account": target,
    }, headers=NO_STORE)


def _category(raw: str) -> ReportCategory:
    if raw in MASTODON_CATEGORIES:
        return MASTODON_CATEGORIES[raw]
    try:
        return ReportCategory(raw)
    except ValueError as exc:
        choices = ", ".join([*MASTODON_CATEGORIES, *(kind.value for kind in ReportCategory)])
        raise BadRequest(f"Unknown category {raw!r}: choose one of {choices}") from exc


async def _file(request: web.Request, item: Readable, category: ReportCategory, comment: str) -> str | None:
    """The report's id (the post's own when it went to the circle's instance); None when already reported."""
    access, row = item.access, item.row
    assert access.actor is not None
    author = await Actor.get(id=row.author_id)  # type: ignore[attr-defined]
    try:
        filed = await file_report(
            request.app[SITE], access.circle, access.actor, object_uris=[row.uri], category=category,
            reported_actor=author, reason=comment, now=request.app[CLOCK].now(),
        )
    except AlreadyReported:
        log.info("api: actor %d reported %s again while the first report is open: not filed", access.actor.id, row.uri)
        return None
    return str(filed.report.id) if filed is not None and filed.report is not None else str(row.id)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/reports", report)
