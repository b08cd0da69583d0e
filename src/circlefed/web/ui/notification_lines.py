"""Web UI: what one notification says on the notifications page: a sentence with a link to the thread, post or
queue, in the names the circle shows; a neutral line with nothing of the circle when the member may no longer see it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from tortoise.expressions import Q

from circlefed.domain.notification_checks import may_see
from circlefed.errors import NotFound
from circlefed.storage.models import (
    Account,
    Actor,
    Circle,
    Membership,
    MembershipState,
    Notification,
    NotificationKind,
    Post,
    Thread,
    Visibility,
)
from circlefed.storage.visibility import is_hidden_author
from circlefed.web.ui.member_access import (
    Access,
    access_for,
    circle_path,
    may_see_row,
    names,
    readable_thread_access,
    thread_path,
)
from circlefed.web.ui.member_threads import readable_replies
from circlefed.web.ui.paging import encode_cursor

log = logging.getLogger(__name__)
Kind = NotificationKind
LEFT = "Something happened in a circle you left."
GONE = "Something you were told of here is no longer here: it was removed, or it has been dealt with."
CONTENT_KINDS = (Kind.REPLY, Kind.MENTION, Kind.LIKE, Kind.POST_APPROVED, Kind.POST_DECLINED)
# The facilitators' queue each of their notices leads to (web/ui/facilitate_queue.py, facilitate_reports.py).
QUEUES = {Kind.JOIN_REQUEST: ("requests", "the join requests"), Kind.HELD_POST: ("held", "the held posts"),
          Kind.REPORT: ("reports", "the reports")}


@dataclass(frozen=True)
class Line:
    """One notification as the page says it: `lead`, the link (`link_text` to `href`), then `tail`."""

    id: int
    when: datetime
    ago: str
    unread: bool
    lead: str
    link_text: str = ""
    href: str = ""
    tail: str = ""

    @property
    def plain(self) -> str:
        return f"{self.lead}{self.link_text}{self.tail}"


@dataclass(frozen=True)
class Reader:
    account: Account
    actor: Actor
    now: datetime


def ago(when: datetime, now: datetime) -> str:
    """How long ago, in words ("3 hours ago"); the date itself beyond a week."""
    seconds = max(0, int((now - when).total_seconds()))
    if seconds >= 8 * 86400:
        return f"on {when.strftime('%Y-%m-%d')}"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        count = seconds // size
        if count:
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"


async def line_of(request: web.Request, reader: Reader, notification: Notification, unread: bool) -> Line:
    """The notification's line: its sentence when the member may see it now (domain may_see, then for content the
    thread page's own read rule), else a neutral line naming nothing of the circle."""
    base = Line(notification.id, notification.created_at, ago(notification.created_at, reader.now), unread, "")
    circle = await Circle.get(id=notification.circle_id)  # type: ignore[attr-defined]
    said = None
    if await may_see(notification, reader.actor):
        said = await _sentence(request, reader, circle, notification, base)
    if said is not None:
        return said
    log.info("notifications page: %s notification %d shown neutral: its member may no longer see what it is about",
             notification.kind.value, notification.id)
    return Line(base.id, base.when, base.ago, unread, LEFT if await _left(circle, reader.actor) else GONE)


async def _left(circle: Circle, actor: Actor) -> bool:
    membership = await Membership.get_or_none(circle_id=circle.id, actor_id=actor.id)
    return membership is None or membership.state is not MembershipState.APPROVED


async def _sentence(request: web.Request, reader: Reader, circle: Circle, n: Notification, base: Line) -> Line | None:
    if n.kind in CONTENT_KINDS:
        return await _about_content(request, reader, circle, n, base)
    if n.kind in QUEUES:
        return await _for_facilitators(circle, n, base)
    joined = n.kind is Kind.JOIN_APPROVED
    if joined and circle.visibility is not Visibility.PUBLIC and await _left(circle, reader.actor):
        return None  # a confidential circle they have left since: its name with the rest
    lead = "You are a member of " if joined else "Your request to join "
    tail = " now: a facilitator approved your request." if joined else " was declined."
    linked = circle.is_local or circle.visibility is Visibility.PUBLIC or joined
    return _with_link(base, lead, circle.name, circle_path(circle) if linked else "", tail)


def _with_link(base: Line, lead: str, link_text: str, href: str, tail: str) -> Line:
    if not href:
        return Line(base.id, base.when, base.ago, base.unread, f"{lead}{link_text}{tail}")
    return Line(base.id, base.when, base.ago, base.unread, lead, link_text, href, tail)


async def _for_facilitators(circle: Circle, n: Notification, base: Line) -> Line | None:
    if not circle.is_local:
        return None  # facilitators' queues are on the circle's own instance
    queue, queue_name = QUEUES[n.kind]
    href = f"/c/{circle.slug}/facilitate/{queue}"
    if n.kind is Kind.REPORT:
        return _with_link(base, f"A report in {circle.name} waits for you: see ", queue_name, href, ".")
    actor = await Actor.get(id=n.actor_id)  # type: ignore[attr-defined]
    name = (await names(circle, [actor], for_facilitators=True))[actor.id]
    if n.kind is Kind.JOIN_REQUEST:
        return _with_link(base, f"{name} asks to join {circle.name}: see ", queue_name, href, ".")
    return _with_link(base, f"A post by {name} in {circle.name} waits for your review: see ", queue_name, href, ".")


async def _about_content(request: web.Request, reader: Reader, circle: Circle, n: Notification, base: Line):
    """A reply, a mention, a like, or the member's own held post decided: only while the thread page would show
    it."""
    thread = await Thread.get_or_none(id=n.thread_id)  # type: ignore[attr-defined]
    post = await Post.get_or_none(id=n.post_id) if n.post_id is not None else None  # type: ignore[attr-defined]
    if thread is None or (n.post_id is not None and post is None):  # type: ignore[attr-defined]
        return None
    try:
        circle_access = await access_for(circle, reader.account, reader.actor, reader.now)
        access = await readable_thread_access(circle_access, thread)
    except NotFound:
        return None
    if post is not None and (not may_see_row(post, access) or await is_hidden_author(post.author_id)):  # type: ignore[attr-defined]
        return None
    href = await _href(request, access, thread, post)
    where = "your reply in " if post is not None else "your thread "
    if n.kind is Kind.LIKE:  # who liked a post is never shown, only how many did
        return _with_link(base, f"Someone liked {where}", thread.title, href, f" in {circle.name}.")
    if n.kind is Kind.POST_APPROVED:
        return _with_link(base, f"A facilitator approved {where}", thread.title, href, ": it is published now.")
    if n.kind is Kind.POST_DECLINED:
        tail = ": it stays unpublished. Their note is with it."
        return _with_link(base, f"A facilitator declined {where}", thread.title, href, tail)
    replier = await Actor.get(id=n.actor_id)  # type: ignore[attr-defined]
    name = (await names(circle, [replier]))[replier.id]
    if n.kind is Kind.MENTION:
        where = "a reply in " if post is not None else "the thread "
        return _with_link(base, f"{name} mentioned you in {where}", thread.title, href, f" in {circle.name}.")
    answered = "your thread " if await _answers_thread(thread, post, reader.actor) else "your reply in "
    return _with_link(base, f"{name} replied to {answered}", thread.title, href, f" in {circle.name}.")


async def _answers_thread(thread: Thread, reply: Post | None, reader: Actor) -> bool:
    """Whether the reply answers the member's thread itself (rather than their reply in it)."""
    return reply is None or (reply.in_reply_to_uri == thread.uri and thread.author_id == reader.id)  # type: ignore[attr-defined]


async def _href(request: web.Request, access: Access, thread: Thread, post: Post | None) -> str:
    """The thread's page, or the page of it showing the post, at the post (as /p/<token> leads there)."""
    path = thread_path(request, thread)
    if post is None:
        return path
    earlier = Q(published_at__lt=post.published_at) | Q(published_at=post.published_at, id__lt=post.id)
    previous = await (await readable_replies(thread, access)).filter(earlier).order_by("-published_at", "-id").first()
    query = f"?after={encode_cursor(previous.published_at, previous.id)}" if previous else ""
    return f"{path}{query}#post-{post.id}"
