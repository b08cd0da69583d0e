"""Web API: a member's notifications as Mastodon's Notification entities, each one shown only while the member
may see what it is about: the domain's rule first (domain/notifications.py may_see), then, for a status, the
thread page's own read rule (status_views.readable_status). An app drops a mention without its status, so one
whose status is no longer readable is left out of every answer, not shown empty.

Which Mastodon type each kind is: a reply is a "mention" (Mastodon apps show replies to you so), a like a
"favourite", a join request a "follow_request", a report an "admin.report". Join answers and held posts are
for the web page only: Mastodon has no type that says either, and the nearest ones would tell something false
("the circle followed you") or offer actions that fail (a held post shown as a status to reply to)."""

from __future__ import annotations

import logging
from datetime import datetime

from aiohttp import web

from circlefed.errors import NotFound
from circlefed.protocol.mastodon_status import iso, render_account
from circlefed.storage.models import (
    Actor,
    Circle,
    Notification,
    NotificationKind,
    Post,
    Report,
    ReportCategory,
    ReportState,
    Thread,
)
from circlefed.web.api.status_views import (
    Readable,
    Viewer,
    authors_as_shown,
    circle_account_facts,
    readable_status,
    render_statuses,
    status_id,
)
from circlefed.web.keys import CLOCK, SITE

log = logging.getLogger(__name__)

Kind = NotificationKind
API_TYPES = {
    Kind.REPLY: "mention",
    Kind.LIKE: "favourite",
    Kind.JOIN_REQUEST: "follow_request",
    Kind.REPORT: "admin.report",
}
# Mastodon's report categories: spam, a rule broken ("violation"), anything else.
REPORT_CATEGORIES = {ReportCategory.SPAM: "spam", ReportCategory.GROUND_RULES: "violation"}


async def render_notification(request: web.Request, viewer: Viewer, notification: Notification) -> dict | None:
    """The Notification entity, or None when its status is no longer readable (or its kind is not for apps)."""
    kind = notification.kind
    if kind not in API_TYPES:
        return None
    if kind in (Kind.REPLY, Kind.LIKE):
        body = await _about_status(request, viewer, notification)
    elif kind is Kind.JOIN_REQUEST:
        body = await _join_request(request, notification)
    else:
        body = await _report(request, viewer, notification)
    if body is None:
        log.info("api: notification %d left out: what it is about is no longer readable", notification.id)
        return None
    return {
        "id": str(notification.id),
        "type": API_TYPES[kind],
        "created_at": iso(notification.created_at),
        "group_key": f"ungrouped-{notification.id}",
        **body,
    }


async def readable_row(row: Thread | Post | None, viewer: Viewer, now: datetime) -> Readable | None:
    """The row as readable_status finds it by its status id when the viewer may read it now; else None."""
    if row is None:
        return None
    try:
        readable = await readable_status(status_id(row), viewer, now)
    except NotFound:
        return None
    same = type(readable.row) is type(row) and readable.row.id == row.id
    return readable if same else None


async def _subject(notification: Notification) -> Thread | Post | None:
    if notification.post_id is not None:  # type: ignore[attr-defined]
        return await Post.get_or_none(id=notification.post_id)  # type: ignore[attr-defined]
    return await Thread.get_or_none(id=notification.thread_id)  # type: ignore[attr-defined]


async def _about_status(request: web.Request, viewer: Viewer, notification: Notification) -> dict | None:
    readable = await readable_row(await _subject(notification), viewer, request.app[CLOCK].now())
    if readable is None:
        return None
    (status,) = await render_statuses(request, readable.access, readable.thread, [readable.row])
    if notification.kind is Kind.REPLY:
        return {"account": status["account"], "status": status}
    # Who liked a post is never shown (only how many did): the like is told as the circle's.
    circle_account = render_account(await circle_account_facts(request.app[SITE].uris.base, readable.access.circle))
    return {"account": circle_account, "status": status}


async def _join_request(request: web.Request, notification: Notification) -> dict:
    """The person asking, as the circle shows them (a pseudonym in a circle that uses them)."""
    circle = await Circle.get(id=notification.circle_id)  # type: ignore[attr-defined]
    asking = await Actor.get(id=notification.actor_id)  # type: ignore[attr-defined]
    facts = await authors_as_shown(request.app[SITE].uris.base, circle, [asking])
    return {"account": render_account(facts[asking.id])}


async def _report(request: web.Request, viewer: Viewer, notification: Notification) -> dict | None:
    """Mastodon's Report: the reporter and the person reported as the circle shows them, the reported status
    when the facilitator may read it."""
    report = await Report.get_or_none(id=notification.report_id)  # type: ignore[attr-defined]
    if report is None:
        return None
    base = request.app[SITE].uris.base
    circle = await Circle.get(id=notification.circle_id)  # type: ignore[attr-defined]
    row = await Thread.get_or_none(uri=report.object_uri) or await Post.get_or_none(uri=report.object_uri)
    target_id = report.reported_actor_id or (row.author_id if row is not None else None)  # type: ignore[attr-defined]
    people = await Actor.filter(id__in=[report.reporter_id, *([target_id] if target_id else [])])  # type: ignore[attr-defined]
    facts = await authors_as_shown(base, circle, people)
    readable = await readable_row(row, viewer, request.app[CLOCK].now())
    target = facts.get(target_id) if target_id else None
    entity = {
        "id": str(report.id),
        "action_taken": report.state is ReportState.RESOLVED,
        "action_taken_at": iso(report.resolved_at) if report.resolved_at else None,
        "category": REPORT_CATEGORIES.get(report.category, "other"),
        "comment": report.reason,
        "forwarded": False,
        "created_at": iso(report.created_at),
        "status_ids": [status_id(readable.row)] if readable is not None else [],
        "rule_ids": None,
        "target_account": render_account(target or await circle_account_facts(base, circle)),
    }
    return {"account": render_account(facts[report.reporter_id]), "report": entity}  # type: ignore[attr-defined]
