"""Domain: notifications: what a member is told of, recorded from the events of a change in its own transaction
(local and federated changes alike), and which of them the member may still see when they read them (the rule
of each kind: domain/notification_checks.py may_see)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable
from datetime import datetime
from typing import Any

from circlefed.domain.events import (
    JoinApproved,
    JoinRejected,
    JoinRequested,
    PostApproved,
    PostRejected,
    ReactionAdded,
    ReplyPosted,
    ReportFiled,
    ThreadStarted,
)
from circlefed.domain.mentions import mention_notices
from circlefed.domain.notification_checks import may_see
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
    ReviewState,
    Role,
    Thread,
)

__all__ = ["clear", "dismiss", "may_see", "one_shown", "record", "shown"]
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
        told = await recorder(event, now) if recorder is not None else []
        rows.extend(told)
        rows.extend(await mention_notices(event, told, now))  # members a post names (domain/mentions.py)
    rows = await _seen_now(rows)
    if rows:
        await Notification.bulk_create(rows)


async def _seen_now(rows: list[Notification]) -> list[Notification]:
    """Only what each member may see now (may_see): someone banned from a circle, or who left a members circle,
    is not told what happens there (not even that something did: the page's unread count counts rows)."""
    if not rows:
        return rows
    actor_of = dict(await Account.filter(id__in={r.account_id for r in rows}).values_list("id", "actor_id"))  # type: ignore[attr-defined]
    readers = {actor.id: actor for actor in await Actor.filter(id__in=set(actor_of.values()))}
    return [row for row in rows if await may_see(row, readers[actor_of[row.account_id]])]  # type: ignore[attr-defined]


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
    """A held post a facilitator let through: its author is told, and a reply is told of as it would have been
    when posted."""
    author = (event.post or event.thread).author_id  # type: ignore[attr-defined]
    accounts = await _accounts_of([author], besides=[event.actor.id])
    about = {"thread_id": event.thread.id, "post_id": event.post.id if event.post is not None else None}
    told = _rows(accounts, Kind.POST_APPROVED, event.actor, event.circle, now, **about)
    if event.post is None:
        return told
    return told + await _replied(event.circle, event.thread, event.post, now)


async def _post_declined(event: PostRejected, now: datetime) -> list[Notification]:
    """A held post a facilitator declined: its author is told (they read the note on it)."""
    author = (event.post or event.thread).author_id  # type: ignore[attr-defined]
    accounts = await _accounts_of([author], besides=[event.actor.id])
    about = {"thread_id": event.thread.id, "post_id": event.post.id if event.post is not None else None}
    return _rows(accounts, Kind.POST_DECLINED, event.actor, event.circle, now, **about)


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
    PostRejected: _post_declined,
    ReactionAdded: _liked,
    JoinRequested: _join_requested,
    JoinApproved: _join_answered,
    JoinRejected: _join_answered,
    ReportFiled: _reported,
}


# --- reading ----------------------------------------------------------------------------------------------


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
