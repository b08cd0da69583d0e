"""Domain: the append-only moderation log: who did what, to what, why and when; who may read it."""

from __future__ import annotations

from datetime import datetime

from circlefed.errors import Forbidden
from circlefed.storage.models import Account, Actor, Circle, Membership, MembershipState, ModerationLogEntry, Role

# What the log calls each action (stable strings: they are exported and read by people).
REMOVE_THREAD = "remove_thread"
REMOVE_REPLY = "remove_reply"
LOCK = "lock_thread"
UNLOCK = "unlock_thread"
PIN = "pin_thread"
UNPIN = "unpin_thread"
BAN = "ban_member"
UNBAN = "unban_member"
BAN_ENDED = "ban_ended"
ADD_FACILITATOR = "add_facilitator"
REMOVE_FACILITATOR = "remove_facilitator"
REMOVE_MEMBER = "remove_member"
KEEP_MEMBER = "keep_member"
APPROVE_JOIN = "approve_join"
REJECT_JOIN = "reject_join"
APPROVE_POST = "approve_post"
REJECT_POST = "reject_post"
APPROVE_EDIT = "approve_edit"
REJECT_EDIT = "reject_edit"
SET_RULES = "set_rules"
RESOLVE_REPORT = "resolve_report"


async def record(
    circle: Circle | None, moderator: Actor, action: str, *, target_uri: str = "", reason: str = "", now: datetime
) -> ModerationLogEntry:
    """Append one entry (entries are never changed or deleted by circlefed)."""
    return await ModerationLogEntry.create(
        circle=circle, moderator=moderator, action=action, target_uri=target_uri, reason=reason or "", created_at=now
    )


async def read_log(
    viewer: Actor, *, circle: Circle | None = None, since: datetime | None = None, limit: int | None = None
) -> list[ModerationLogEntry]:
    """Entries oldest first: admins read everything, facilitators the circles they facilitate."""
    query = ModerationLogEntry.all()
    is_admin = viewer.is_local and await Account.exists(actor_id=viewer.id, is_admin=True, is_disabled=False)
    if circle is not None:
        if not is_admin and circle.id not in await facilitated_circle_ids(viewer):
            raise Forbidden("only the circle's facilitators or an admin can read its moderation log")
        query = query.filter(circle_id=circle.id)
    elif not is_admin:
        query = query.filter(circle_id__in=await facilitated_circle_ids(viewer))
    return await export_log(query=query, since=since, limit=limit)


async def export_log(
    *, circle: Circle | None = None, since: datetime | None = None, limit: int | None = None, query=None
) -> list[ModerationLogEntry]:
    """Everything (the admin's CLI export), or one circle's entries; moderator and circle loaded."""
    query = ModerationLogEntry.all() if query is None else query
    if circle is not None:
        query = query.filter(circle_id=circle.id)
    if since is not None:
        query = query.filter(created_at__gte=since)
    query = query.order_by("created_at", "id").prefetch_related("moderator", "circle")
    return await (query.limit(limit) if limit is not None else query)


async def facilitated_circle_ids(viewer: Actor) -> list[int]:
    """The circles the viewer facilitates (whose moderation log and reports they read)."""
    return list(
        await Membership.filter(actor_id=viewer.id, role=Role.FACILITATOR, state=MembershipState.APPROVED).values_list(
            "circle_id", flat=True
        )
    )
