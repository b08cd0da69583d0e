"""Web API: a member's notifications as Mastodon's Notification entities, each one shown only while the member
may see what it is about: the domain's rule first (domain/notifications.py may_see), then, for a status, the
thread page's own read rule (status_views.readable_row, as readable_status finds the status by its id), a page of
them checked and rendered at once (status_lists.py, status_render.py). An app drops a mention without its status,
so one whose status is no longer readable is left out of every answer, not shown empty.

Which Mastodon type each kind is: a reply is a "mention" (Mastodon apps show replies to you so), a like a
"favourite", a join request a "follow_request", a report an "admin.report". Join answers and held posts are
for the web page only: Mastodon has no type that says either, and the nearest ones would tell something false
("the circle followed you") or offer actions that fail (a held post shown as a status to reply to)."""

from __future__ import annotations

import logging

from aiohttp import web

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
from circlefed.web.api.status_lists import readable_items
from circlefed.web.api.status_render import (
    authors_as_shown,
    circle_account_facts,
    circle_accounts,
    render_page,
    status_id,
)
from circlefed.web.api.status_views import Reading, Viewer, reading_of
from circlefed.web.keys import SITE

log = logging.getLogger(__name__)

Kind = NotificationKind
API_TYPES = {
    Kind.REPLY: "mention",
    Kind.MENTION: "mention",
    Kind.LIKE: "favourite",
    Kind.JOIN_REQUEST: "follow_request",
    Kind.REPORT: "admin.report",
}
ABOUT_A_STATUS = (Kind.REPLY, Kind.MENTION, Kind.LIKE)
# Mastodon's report categories: spam, a rule broken ("violation"), anything else.
REPORT_CATEGORIES = {ReportCategory.SPAM: "spam", ReportCategory.GROUND_RULES: "violation"}


async def render_notification(request: web.Request, viewer: Viewer, notification: Notification) -> dict | None:
    """The Notification entity, or None when its status is no longer readable (or its kind is not for apps)."""
    (rendered,) = await render_notifications(request, viewer, [notification])
    return rendered


async def render_notifications(
    request: web.Request, viewer: Viewer, notifications: list[Notification]
) -> list[dict | None]:
    """Each notification's entity, in order, or None for one whose status is no longer readable (or whose kind is
    not for apps); the statuses of them all checked and rendered at once."""
    about = await _about_statuses(request, reading_of(request, viewer), notifications)
    rendered: list[dict | None] = []
    for notification in notifications:
        kind = notification.kind
        if kind not in API_TYPES:
            rendered.append(None)
            continue
        if kind in ABOUT_A_STATUS:
            body = about.get(notification.id)
        elif kind is Kind.JOIN_REQUEST:
            body = await _join_request(request, notification)
        else:
            body = await _report(request, viewer, notification)
        if body is None:
            log.info("api: notification %d left out: what it is about is no longer readable", notification.id)
        rendered.append(_entity(notification, body) if body is not None else None)
    return rendered


def _entity(notification: Notification, body: dict) -> dict:
    return {
        "id": str(notification.id),
        "type": API_TYPES[notification.kind],
        "created_at": iso(notification.created_at),
        "group_key": f"ungrouped-{notification.id}",
        **body,
    }


async def _about_statuses(request: web.Request, reading: Reading, notifications: list[Notification]) -> dict:
    """notification id -> its body (the account and the status) for the replies and likes whose status the
    viewer may read now."""
    told = await _subjects([n for n in notifications if n.kind in ABOUT_A_STATUS])
    items = await readable_items(reading, [row for _, row in told], by_id=True)
    readable = [(n, item) for (n, _), item in zip(told, items, strict=True) if item is not None]
    statuses = await render_page(request, [item for _, item in readable])
    liked = {access.circle.id: access.circle for n, (_, _, access) in readable if n.kind is Kind.LIKE}
    groups = await circle_accounts(request.app[SITE].uris.base, liked.values()) if liked else {}
    bodies = {}
    for (notification, (_, _, access)), status in zip(readable, statuses, strict=True):
        # Who liked a post is never shown (only how many did): the like is told as the circle's.
        liking = notification.kind is Kind.LIKE
        account = render_account(groups[access.circle.id]) if liking else status["account"]
        bodies[notification.id] = {"account": account, "status": status}
    return bodies


async def _subjects(notifications: list[Notification]) -> list[tuple[Notification, Thread | Post]]:
    """Each notification with the reply it is about, else its thread (two queries for them all); one whose row
    is gone is left out."""
    post_ids = [n.post_id for n in notifications if n.post_id is not None]  # type: ignore[attr-defined]
    thread_ids = [n.thread_id for n in notifications if n.post_id is None]  # type: ignore[attr-defined]
    posts = {post.id: post for post in await Post.filter(id__in=post_ids)} if post_ids else {}
    threads = {thread.id: thread for thread in await Thread.filter(id__in=thread_ids)} if thread_ids else {}
    found: list[tuple[Notification, Thread | Post]] = []
    for n in notifications:
        row = posts.get(n.post_id) if n.post_id is not None else threads.get(n.thread_id)  # type: ignore[attr-defined]
        if row is not None:
            found.append((n, row))
    return found


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
    (readable,) = await readable_items(reading_of(request, viewer), [row], by_id=True) if row else (None,)
    target = facts.get(target_id) if target_id else None
    entity = {
        "id": str(report.id),
        "action_taken": report.state is ReportState.RESOLVED,
        "action_taken_at": iso(report.resolved_at) if report.resolved_at else None,
        "category": REPORT_CATEGORIES.get(report.category, "other"),
        "comment": report.reason,
        "forwarded": False,
        "created_at": iso(report.created_at),
        "status_ids": [status_id(readable[0])] if readable is not None else [],
        "rule_ids": None,
        "target_account": render_account(target or await circle_account_facts(base, circle)),
    }
    return {"account": render_account(facts[report.reporter_id]), "report": entity}  # type: ignore[attr-defined]
