"""Domain: notifications: what a member is told of, recorded from the events of a change in its own transaction
(local and federated changes alike), and which of them the member may still see when they read them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable
from datetime import datetime
from typing import Any

from circlefed.domain.events import (
    JoinApproved,
    JoinRejected,
    JoinRequested,
    PostApproved,
    ReactionAdded,
    ReplyPosted,
    ReportFiled,
    ThreadStarted,
)
from circlefed.domain.read_rule import account_reader_level, may_read_row
from circlefed.storage.models import (
    Account,
    Actor,
    Circle,
    Membership,
    MembershipState,
    Notification,
    NotificationKind,
    Post,
    Reaction,
    ReactionKind,
    Report,
    ReviewState,
    Role,
    Thread,
)
from circlefed.storage.visibility import is_hidden_author

Kind = NotificationKind
BATCH = 100  # notifications read at a time while looking for the ones a member may still see
LARGEST_ID = 2**31 - 1  # ids are 32-bit integers: a bound beyond them bounds nothing (or everything)


# --- recording --------------------------------------------------------------------------------------------


async def record(events: Iterable[Any], *, now: datetime) -> None:
    """The notifications these events cause, written in the caller's transaction (federation/actions.py perform
    and the inbound handlers' publish both call it). Nobody is told of their own action."""
    rows: list[Notification] = []
    for event in events:
        recorder = RECORDERS.get(type(event))
        if recorder is not None:
            rows.extend(await recorder(event, now))
    if rows:
        await Notification.bulk_create(rows)


async def _accounts_of(actor_ids: Iterable[int], *, besides: Iterable[int]) -> list[int]:
    """The accounts here of these actors (people elsewhere are told by their own servers), less those who acted."""
    wanted = set(actor_ids) - set(besides)
    if not wanted:
        return []
    return list(await Account.filter(actor_id__in=wanted).values_list("id", flat=True))


async def _facilitator_ids(circle: Circle) -> list[int]:
    facilitators = Membership.filter(circle_id=circle.id, role=Role.FACILITATOR, state=MembershipState.APPROVED)
    return list(await facilitators.values_list("actor_id", flat=True))


def _rows(accounts: list[int], kind: Kind, actor: Actor, circle: Circle, now: datetime, **about: Any) -> list:
    return [
        Notification(account_id=account, kind=kind, actor_id=actor.id, circle_id=circle.id, created_at=now, **about)
        for account in accounts
    ]


async def _replied(circle: Circle, thread: Thread, post: Post, now: datetime) -> list[Notification]:
    """A visible reply: the thread's author and the author of the reply it answers are told."""
    told = {thread.author_id}  # type: ignore[attr-defined]
    if post.in_reply_to_uri != thread.uri:
        parent = await Post.get_or_none(uri=post.in_reply_to_uri, thread_id=thread.id)
        if parent is not None:
            told.add(parent.author_id)  # type: ignore[attr-defined]
    accounts = await _accounts_of(told, besides=[post.author_id])  # type: ignore[attr-defined]
    author = await Actor.get(id=post.author_id)  # type: ignore[attr-defined]
    return _rows(accounts, Kind.REPLY, author, circle, now, thread_id=thread.id, post_id=post.id)


async def _held(circle: Circle, author: Actor, now: datetime, thread: Thread, post: Post | None) -> list:
    """A post the safety net held: the circle's facilitators here are told it waits for them."""
    accounts = await _accounts_of(await _facilitator_ids(circle), besides=[author.id])
    return _rows(accounts, Kind.HELD_POST, author, circle, now, thread_id=thread.id, post_id=post.id if post else None)


async def _reply_posted(event: ReplyPosted, now: datetime) -> list[Notification]:
    if event.post.review_state is ReviewState.HELD:
        return await _held(event.circle, event.actor, now, event.thread, event.post)
    if event.post.review_state is not ReviewState.VISIBLE:
        return []
    return await _replied(event.circle, event.thread, event.post, now)


async def _thread_started(event: ThreadStarted, now: datetime) -> list[Notification]:
    if event.thread.review_state is not ReviewState.HELD:
        return []
    return await _held(event.circle, event.actor, now, event.thread, None)


async def _post_approved(event: PostApproved, now: datetime) -> list[Notification]:
    """A held reply a facilitator let through is told of as it would have been when posted."""
    if event.post is None:
        return []
    return await _replied(event.circle, event.thread, event.post, now)


async def _liked(event: ReactionAdded, now: datetime) -> list[Notification]:
    if event.kind != ReactionKind.LIKE.value:
        return []  # dislikes (from other software) are counted, never announced
    reaction = await Reaction.get_or_none(activity_uri=event.activity_uri)
    if reaction is None:
        return []
    if reaction.post_id is not None:  # type: ignore[attr-defined]
        row: Thread | Post = await Post.get(id=reaction.post_id)  # type: ignore[attr-defined]
        thread_id = row.thread_id  # type: ignore[attr-defined]
    else:
        row = await Thread.get(id=reaction.thread_id)  # type: ignore[attr-defined]
        thread_id = row.id
    accounts = await _accounts_of([row.author_id], besides=[event.actor.id])  # type: ignore[attr-defined]
    post_id = row.id if isinstance(row, Post) else None
    return _rows(
        accounts, Kind.LIKE, event.actor, event.circle, now, thread_id=thread_id, post_id=post_id,
        reaction_id=reaction.id,
    )


async def _join_requested(event: JoinRequested, now: datetime) -> list[Notification]:
    if not event.circle.is_local:
        return []  # a member here asking another server's circle: its facilitators are there
    accounts = await _accounts_of(await _facilitator_ids(event.circle), besides=[event.actor.id])
    return _rows(accounts, Kind.JOIN_REQUEST, event.actor, event.circle, now, membership_id=event.membership.id)


async def _join_answered(event: JoinApproved | JoinRejected, now: datetime) -> list[Notification]:
    kind = Kind.JOIN_APPROVED if isinstance(event, JoinApproved) else Kind.JOIN_DECLINED
    accounts = await _accounts_of([event.member.id], besides=[event.actor.id])
    return _rows(accounts, kind, event.actor, event.circle, now)


async def _reported(event: ReportFiled, now: datetime) -> list[Notification]:
    """A report to a circle hosted here: its facilitators are told, but never the one it is about."""
    circle = event.circle
    if event.report is None or circle is None or not circle.is_local:
        return []
    about = {event.actor.id}
    if event.reported_actor is not None:
        about.add(event.reported_actor.id)
    uri = event.report.object_uri
    row = await Thread.get_or_none(uri=uri) or await Post.get_or_none(uri=uri)
    if row is not None:
        about.add(row.author_id)  # type: ignore[attr-defined]
    accounts = await _accounts_of(await _facilitator_ids(circle), besides=about)
    return _rows(accounts, Kind.REPORT, event.actor, circle, now, report_id=event.report.id)


Recorder = Callable[[Any, datetime], Awaitable[list[Notification]]]
RECORDERS: dict[type, Recorder] = {
    ReplyPosted: _reply_posted,
    ThreadStarted: _thread_started,
    PostApproved: _post_approved,
    ReactionAdded: _liked,
    JoinRequested: _join_requested,
    JoinApproved: _join_answered,
    JoinRejected: _join_answered,
    ReportFiled: _reported,
}


# --- reading ----------------------------------------------------------------------------------------------


async def may_see(notification: Notification, reader: Actor) -> bool:
    """Whether the member a notification is for may see it now. Nothing of a circle they are banned from; a
    reply or like only while its post is readable to them by the read rule (domain/read_rule.py: gone when they
    left a members-only circle, when it became members-only after they left, when the post was deleted or held);
    a facilitator's notice only while they still facilitate and it still waits for them."""
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


Check = Callable[[Notification, Circle, Actor, Membership | None], Awaitable[bool]]
CHECKS: dict[NotificationKind, Check] = {
    Kind.REPLY: _content_readable,
    Kind.LIKE: _content_readable,
    Kind.JOIN_REQUEST: _request_waiting,
    Kind.REPORT: _report_for_them,
    Kind.HELD_POST: _still_held,
    Kind.JOIN_APPROVED: _own_answer,
    Kind.JOIN_DECLINED: _own_answer,
}


async def shown(
    account: Account,
    reader: Actor,
    kinds: Collection[NotificationKind],
    *,
    below: int | None = None,
    above: int | None = None,
    oldest_first: bool = False,
) -> AsyncIterator[Notification]:
    """The member's notifications of these kinds that they may see now (may_see), with ids between the bounds,
    newest first (or oldest first); read in batches, so that hidden ones never cut a page short."""
    if below is not None and below > LARGEST_ID:
        below = None
    if above is not None and above >= LARGEST_ID:
        return
    while kinds:
        query = Notification.filter(account_id=account.id, kind__in=list(kinds))
        if below is not None:
            query = query.filter(id__lt=below)
        if above is not None:
            query = query.filter(id__gt=above)
        batch = await query.order_by("id" if oldest_first else "-id").limit(BATCH)
        for notification in batch:
            if await may_see(notification, reader):
                yield notification
        if len(batch) < BATCH:
            return
        if oldest_first:
            above = batch[-1].id
        else:
            below = batch[-1].id


async def one_shown(account: Account, reader: Actor, notification_id: int) -> Notification | None:
    """The member's notification with this id when they may see it now; else None, as for one that is not theirs."""
    if notification_id > LARGEST_ID:
        return None
    notification = await Notification.get_or_none(id=notification_id, account_id=account.id)
    if notification is None or not await may_see(notification, reader):
        return None
    return notification


async def dismiss(account: Account, notification_id: int) -> None:
    await Notification.filter(id=notification_id, account_id=account.id).delete()


async def clear(account: Account) -> int:
    """Every notification of the member gone; how many there were."""
    return await Notification.filter(account_id=account.id).delete()
