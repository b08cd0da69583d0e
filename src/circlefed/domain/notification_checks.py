"""Domain: whether a member may still see a notification when they read it: one rule per kind (the read rule for
what it shows, a facilitator's notice only while it waits for them), nothing of a circle they are banned from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from circlefed.domain.read_rule import account_reader_level, may_read_row
from circlefed.storage.models import (
    Actor,
    Circle,
    Membership,
    MembershipState,
    Notification,
    NotificationKind,
    Post,
    Report,
    ReviewState,
    Role,
    Thread,
)
from circlefed.storage.visibility import is_hidden_author

Kind = NotificationKind


async def may_see(notification: Notification, reader: Actor) -> bool:
    """Whether the member a notification is for may see it now. Nothing of a circle they are banned from; a
    reply or like only while its post is readable to them by the read rule (domain/read_rule.py: gone when they
    left a members-only circle, when it became members-only after they left, when the post was deleted or held);
    a facilitator's notice only while they still facilitate and it still waits for them; their own post approved
    (then as a reply is) or declined (while it is kept, in a circle whose content they may still read)."""
    circle = await Circle.get(id=notification.circle_id)  # type: ignore[attr-defined]
    membership = await Membership.get_or_none(circle_id=circle.id, actor_id=reader.id)
    if membership is not None and membership.state is MembershipState.BANNED:
        return False
    check = CHECKS.get(notification.kind)
    return check is not None and await check(notification, circle, reader, membership)


async def _content_readable(n: Notification, circle: Circle, reader: Actor, _: Membership | None) -> bool:
    thread = await Thread.get_or_none(id=n.thread_id)  # type: ignore[attr-defined]
    post = await Post.get_or_none(id=n.post_id) if n.post_id is not None else None  # type: ignore[attr-defined]
    if thread is None or (n.post_id is not None and post is None):  # type: ignore[attr-defined]
        return False
    rows = [thread] if post is None else [thread, post]
    level = await account_reader_level(circle, reader)
    for row in rows:
        if row.deleted_at is not None or row.review_state is not ReviewState.VISIBLE:
            return False
        if not may_read_row(circle, row, level) or await is_hidden_author(row.author_id):  # type: ignore[attr-defined]
            return False
    return not await is_hidden_author(n.actor_id)  # type: ignore[attr-defined]


def _facilitates(membership: Membership | None) -> bool:
    approved = membership is not None and membership.state is MembershipState.APPROVED
    return approved and membership.role is Role.FACILITATOR  # type: ignore[union-attr]


async def _request_waiting(n: Notification, _: Circle, __: Actor, membership: Membership | None) -> bool:
    request = await Membership.get_or_none(id=n.membership_id)  # type: ignore[attr-defined]
    return _facilitates(membership) and request is not None and request.state is MembershipState.PENDING


async def _report_for_them(n: Notification, _: Circle, __: Actor, membership: Membership | None) -> bool:
    return _facilitates(membership) and await Report.exists(id=n.report_id)  # type: ignore[attr-defined]


async def _still_held(n: Notification, _: Circle, __: Actor, membership: Membership | None) -> bool:
    if not _facilitates(membership):
        return False
    model: type[Thread] | type[Post] = Post if n.post_id is not None else Thread  # type: ignore[attr-defined]
    row_id = n.post_id if n.post_id is not None else n.thread_id  # type: ignore[attr-defined]
    return await model.exists(id=row_id, review_state=ReviewState.HELD, deleted_at=None)


async def _own_answer(n: Notification, circle: Circle, reader: Actor, membership: Membership | None) -> bool:
    return True  # about the member's own request: nothing of the circle's content


async def _own_declined(n: Notification, circle: Circle, reader: Actor, _: Membership | None) -> bool:
    """The member's own declined post, while it is kept and they may still read the circle's content (its author
    reads it, with the facilitator's note, on the thread's page)."""
    thread = await Thread.get_or_none(id=n.thread_id)  # type: ignore[attr-defined]
    post = await Post.get_or_none(id=n.post_id) if n.post_id is not None else None  # type: ignore[attr-defined]
    if thread is None or (n.post_id is not None and post is None):  # type: ignore[attr-defined]
        return False
    row: Thread | Post = post or thread
    if row.author_id != reader.id or row.review_state is not ReviewState.REJECTED:  # type: ignore[attr-defined]
        return False
    level = await account_reader_level(circle, reader)
    return row.deleted_at is None and all(may_read_row(circle, each, level) for each in (thread, row))


Check = Callable[[Notification, Circle, Actor, Membership | None], Awaitable[bool]]
CHECKS: dict[NotificationKind, Check] = {
    Kind.REPLY: _content_readable,
    Kind.MENTION: _content_readable,
    Kind.LIKE: _content_readable,
    Kind.JOIN_REQUEST: _request_waiting,
    Kind.REPORT: _report_for_them,
    Kind.HELD_POST: _still_held,
    Kind.JOIN_APPROVED: _own_answer,
    Kind.JOIN_DECLINED: _own_answer,
    Kind.POST_APPROVED: _content_readable,
    Kind.POST_DECLINED: _own_declined,
}
