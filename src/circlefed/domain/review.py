"""Domain: posts the safety net held: facilitators list them, approve them (they go out) or reject them."""

from __future__ import annotations

from datetime import datetime

from circlefed.domain import modlog
from circlefed.domain.events import PostApproved, PostRejected
from circlefed.domain.memberships import can_moderate
from circlefed.domain.moderation import check_moderator
from circlefed.errors import Conflict
from circlefed.storage.models import Actor, Circle, Post, ReviewState, Thread


async def may_review(circle: Circle, viewer: Actor) -> bool:
    return await can_moderate(circle, viewer)


async def held_posts(circle: Circle, viewer: Actor) -> list[Thread | Post]:
    """Threads and replies of the circle waiting for review, oldest first (facilitators and admins only)."""
    await check_moderator(circle, viewer)
    held = {"review_state": ReviewState.HELD, "deleted_at__isnull": True}
    threads = await Thread.filter(circle_id=circle.id, **held).order_by("id")
    posts = await Post.filter(thread__circle_id=circle.id, **held).order_by("id")
    return sorted([*threads, *posts], key=lambda row: row.published_at)


async def approve_post(row: Thread | Post, by: Actor, *, now: datetime) -> PostApproved:
    """The post becomes visible and leaves this instance as if it had just been posted."""
    thread = row if isinstance(row, Thread) else await Thread.get(id=row.thread_id)
    circle = await Circle.get(id=thread.circle_id)
    await check_moderator(circle, by)
    _check_held(row)
    if isinstance(row, Post) and thread.review_state is not ReviewState.VISIBLE:
        raise Conflict("approve the thread first: this reply answers a thread that is still held")
    row.review_state = ReviewState.VISIBLE
    await row.save(update_fields=["review_state"])
    if isinstance(row, Post) and thread.last_activity_at < row.published_at:
        thread.last_activity_at = row.published_at
        await thread.save(update_fields=["last_activity_at"])
    await modlog.record(circle, by, modlog.APPROVE_POST, target_uri=row.uri, reason=row.review_reason or "", now=now)
    return PostApproved(circle, thread, row if isinstance(row, Post) else None, by)


async def reject_post(
    row: Thread | Post, by: Actor, *, reason: str = "", note: str = "", now: datetime
) -> PostRejected:
    """The post stays invisible for good (kept for the record); nothing leaves the instance. `reason` is for the
    moderation log, `note` for the author, who reads it on their post (and is told of it: the event)."""
    thread = row if isinstance(row, Thread) else await Thread.get(id=row.thread_id)
    circle = await Circle.get(id=thread.circle_id)
    await check_moderator(circle, by)
    _check_held(row)
    row.review_state, row.review_note = ReviewState.REJECTED, note
    await row.save(update_fields=["review_state", "review_note"])
    await modlog.record(circle, by, modlog.REJECT_POST, target_uri=row.uri, reason=reason, now=now)
    return PostRejected(circle, thread, row if isinstance(row, Post) else None, by)


def _check_held(row: Thread | Post) -> None:
    if row.review_state is not ReviewState.HELD or row.deleted_at is not None:
        raise Conflict("this post is not waiting for review")
