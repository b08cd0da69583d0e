"""Domain: facilitators' and admins' actions in a circle: lock, pin, ban (maybe removing posts), facilitators."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.domain import modlog
from circlefed.domain.events import Moderated, ReplyDeleted, ThreadDeleted
from circlefed.domain.memberships import can_moderate, facilitators, membership_of
from circlefed.domain.replies import tombstone_reply
from circlefed.domain.site import Site
from circlefed.domain.threads import check_not_deleted, tombstone_thread
from circlefed.errors import BadRequest, Conflict, Forbidden
from circlefed.storage.models import Actor, Circle, CircleBan, MembershipState, Post, Role, Thread


async def check_moderator(circle: Circle, by: Actor, *, vouched: bool = False) -> None:
    """SPEC: fep-1b12 moderation: a facilitator of the circle or an admin of its instance; for a remote circle,
    whoever its own Group vouches for by announcing the action (`vouched`)."""
    if await can_moderate(circle, by):
        return
    if vouched and not circle.is_local:
        return
    raise Forbidden("only the circle's facilitators or an admin of its instance can do that")


async def lock_thread(
    thread: Thread, by: Actor, *, locked: bool = True, reason: str = "", now: datetime, vouched: bool = False
) -> Moderated | None:
    """Lock (no new replies) or unlock a thread; None when it already was."""
    action = modlog.LOCK if locked else modlog.UNLOCK
    return await _set_thread_flag(thread, by, "is_locked", locked, action, reason=reason, now=now, vouched=vouched)


async def pin_thread(
    thread: Thread, by: Actor, *, pinned: bool = True, now: datetime, vouched: bool = False
) -> Moderated | None:
    """Pin a thread to the circle's featured collection, or unpin it; None when it already was."""
    action = modlog.PIN if pinned else modlog.UNPIN
    return await _set_thread_flag(thread, by, "is_pinned", pinned, action, reason="", now=now, vouched=vouched)


async def _set_thread_flag(
    thread: Thread, by: Actor, field: str, value: bool, action: str, *, reason: str, now: datetime, vouched: bool
) -> Moderated | None:
    """A moderator sets a thread's is_locked or is_pinned, logged as `action`; None when it already was."""
    circle = await Circle.get(id=thread.circle_id)
    await check_moderator(circle, by, vouched=vouched)
    check_not_deleted(thread, "thread")
    if getattr(thread, field) == value:
        return None
    setattr(thread, field, value)
    await thread.save(update_fields=[field])
    await modlog.record(circle, by, action, target_uri=thread.uri, reason=reason, now=now)
    return Moderated(circle, by, action, thread.uri, reason=reason)


async def ban_member(
    site: Site,
    circle: Circle,
    person: Actor,
    by: Actor,
    *,
    reason: str = "",
    reason_shared: bool = False,
    expires_at: datetime | None = None,
    remove_data: bool = False,
    now: datetime,
    activity_uri: str | None = None,
    vouched: bool = False,
) -> Moderated:
    """Ban someone from the circle: a member stops being one at once (no reading, no delivery, no posting) until
    the ban is lifted or ends; `remove_data` removes their posts; `reason_shared` lets them (and their instance)
    read the reason. Banning again replaces the earlier ban (new reason, expiry)."""
    await check_moderator(circle, by, vouched=vouched)
    if person.id in (by.id, circle.actor_id):
        raise BadRequest("a moderator cannot ban themselves or the circle")
    if expires_at is not None and expires_at <= now:
        raise BadRequest("a ban's expiry must be in the future")
    if not vouched and await can_moderate(circle, person):
        raise Conflict("a facilitator or admin cannot be banned: remove their facilitator role first")
    activity_uri = activity_uri or site.uris.new_activity()
    async with in_transaction():
        previous = await _suspend_membership(circle, person)
        fields = {
            "banned_by": by, "reason": reason, "reason_shared": reason_shared, "expires_at": expires_at,
            "remove_data": remove_data, "activity_uri": activity_uri, "created_at": now,
        }
        ban = await CircleBan.get_or_none(circle_id=circle.id, actor_id=person.id)
        if ban is None:
            await CircleBan.create(circle=circle, actor=person, previous_state=previous, **fields)
        else:  # banned again: the state to restore is still the one the first ban replaced
            await ban.update_from_dict(fields).save()
        removals = await _remove_posts(circle, person, by, reason, now) if remove_data else ()
        note = _ban_note(reason, expires_at, len(removals) if remove_data else None)
        await modlog.record(circle, by, modlog.BAN, target_uri=person.uri, reason=note, now=now)
    return Moderated(
        circle, by, modlog.BAN, person.uri, reason=reason, expires_at=expires_at, remove_data=remove_data,
        activity_uri=activity_uri, removals=removals, reason_shared=reason_shared, person=person,
    )


async def _suspend_membership(circle: Circle, person: Actor) -> str | None:
    """The person's membership becomes BANNED; returns the state it had (None: no place in the circle, or
    already banned: the ban row keeps what to restore)."""
    membership = await membership_of(circle, person)
    if membership is None or membership.state in (MembershipState.BANNED, MembershipState.REJECTED):
        return None
    previous = membership.state.value
    membership.state, membership.role = MembershipState.BANNED, Role.MEMBER
    await membership.save(update_fields=["state", "role", "updated_at"])
    return previous


async def unban_member(
    circle: Circle, person: Actor, by: Actor, *, now: datetime, vouched: bool = False, ended: bool = False
) -> Moderated | None:
    """Lift a ban (`ended`: its end time passed); None when there was none. The membership the ban replaced
    comes back as it was. The event carries the ban as it was (for its Undo)."""
    if not ended:
        await check_moderator(circle, by, vouched=vouched)
    ban = await CircleBan.get_or_none(circle_id=circle.id, actor_id=person.id)
    if ban is None:
        return None
    async with in_transaction():
        await _restore_membership(circle, person, ban.previous_state)
        await ban.delete()
        await modlog.record(circle, by, modlog.BAN_ENDED if ended else modlog.UNBAN, target_uri=person.uri, now=now)
    return Moderated(
        circle, by, modlog.UNBAN, person.uri, reason=ban.reason, expires_at=ban.expires_at,
        remove_data=ban.remove_data, activity_uri=ban.activity_uri, reason_shared=ban.reason_shared, person=person,
    )


async def _restore_membership(circle: Circle, person: Actor, previous: str | None) -> None:
    membership = await membership_of(circle, person)
    if membership is None or membership.state is not MembershipState.BANNED:
        return
    if previous in (MembershipState.APPROVED.value, MembershipState.PENDING.value):
        membership.state = MembershipState(previous)
        await membership.save(update_fields=["state", "updated_at"])
    else:
        await membership.delete()


async def expired_bans(now: datetime, *, limit: int = 100) -> list[CircleBan]:
    """Bans whose end time has passed (the worker lifts them: ban_expiry in federation/retention_job.py)."""
    return await CircleBan.filter(expires_at__lte=now).order_by("expires_at", "id").limit(limit)


async def set_facilitator(
    circle: Circle, person: Actor, by: Actor, *, facilitator: bool = True, now: datetime, vouched: bool = False
) -> Moderated | None:
    """Make an approved member a facilitator (Add to moderators) or a member again (Remove); None when unchanged.

    For a remote circle, only the role of a member of this instance is kept here (the circle knows the rest)."""
    await check_moderator(circle, by, vouched=vouched)
    membership = await membership_of(circle, person)
    approved = membership is not None and membership.state is MembershipState.APPROVED
    if circle.is_local and not approved:
        raise Conflict("only an approved member of the circle can become or stop being a facilitator")
    role = Role.FACILITATOR if facilitator else Role.MEMBER
    if approved and membership.role is role:
        return None
    if circle.is_local and not facilitator and len(await facilitators(circle)) <= 1:
        raise Conflict("a circle keeps at least one facilitator: make another member facilitator first")
    if approved:
        membership.role = role
        await membership.save(update_fields=["role", "updated_at"])
    action = modlog.ADD_FACILITATOR if facilitator else modlog.REMOVE_FACILITATOR
    await modlog.record(circle, by, action, target_uri=person.uri, now=now)
    return Moderated(circle, by, action, person.uri, person=person)


def _ban_note(reason: str, expires_at: datetime | None, removed: int | None) -> str:
    """The log's reason for a ban: the moderator's words, then its expiry and how many posts it removed."""
    details = [f"until {expires_at:%Y-%m-%d %H:%M} UTC"] if expires_at else []
    if removed is not None:
        details.append(f"{removed} posts removed")
    return f"{reason} ({'; '.join(details)})".strip() if details else reason


async def _remove_posts(
    circle: Circle, person: Actor, by: Actor, reason: str, now: datetime
) -> tuple[ThreadDeleted | ReplyDeleted, ...]:
    """Every live thread and reply of the person in the circle, tombstoned and logged (Lemmy's removeData)."""
    removed: list[ThreadDeleted | ReplyDeleted] = []
    for thread in await Thread.filter(circle_id=circle.id, author_id=person.id, deleted_at__isnull=True):
        await tombstone_thread(thread, now)
        await modlog.record(circle, by, modlog.REMOVE_THREAD, target_uri=thread.uri, reason=reason, now=now)
        removed.append(ThreadDeleted(circle, thread, by, thread.uri))
    posts = Post.filter(thread__circle_id=circle.id, author_id=person.id, deleted_at__isnull=True)
    for post in await posts.prefetch_related("thread"):
        await tombstone_reply(post, now)
        await modlog.record(circle, by, modlog.REMOVE_REPLY, target_uri=post.uri, reason=reason, now=now)
        removed.append(ReplyDeleted(circle, post.thread, post, by, post.uri))
    return tuple(removed)
