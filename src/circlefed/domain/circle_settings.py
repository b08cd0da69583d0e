"""Domain: facilitators changing a circle's settings (name and description, visibility, retention, join approval,
messages between members), each one logged."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from circlefed.domain import modlog
from circlefed.domain.circles import check_profile, group_uri
from circlefed.domain.confidentiality import set_retention, set_visibility
from circlefed.domain.events import CircleDescribed, VisibilityChanged
from circlefed.domain.moderation import check_moderator
from circlefed.errors import BadRequest
from circlefed.storage.models import Actor, Circle, Visibility

# Moderation log actions for circle settings (stable strings, like those in modlog.py).
SET_VISIBILITY = "set_visibility"
SET_RETENTION = "set_retention"
SET_JOIN_APPROVAL = "set_join_approval"
SET_MEMBER_MESSAGES = "set_member_messages"
SET_DESCRIPTION = "set_description"


async def describe_circle(
    circle: Circle, name: str, description: str, by: Actor, *, now: datetime
) -> CircleDescribed | None:
    """A moderator renames the circle or rewrites its description (its Group's name and summary), logged; None
    when unchanged. The slug stays: it is in every handle and link to the circle."""
    await check_moderator(circle, by)
    if not circle.is_local:
        raise BadRequest("a remote circle's name is chosen at its own instance")
    name, description = check_profile(name, description)
    if (name, description) == (circle.name, circle.description):
        return None
    circle.name, circle.description = name, description
    await circle.save(update_fields=["name", "description", "updated_at"])
    await Actor.filter(id=circle.actor_id).update(display_name=name, summary=description)
    group = await group_uri(circle)
    await modlog.record(circle, by, SET_DESCRIPTION, target_uri=group, reason=name, now=now)
    return CircleDescribed(circle, by, group)


async def change_visibility(
    circle: Circle, level: str, by: Actor, *, facilitator_choices: Iterable[str], now: datetime
) -> VisibilityChanged | None:
    """set_visibility by a moderator (within what the admin allows facilitators), logged; None when unchanged
    (keeping the current level is always allowed, even one facilitators could not choose)."""
    await check_moderator(circle, by)
    if level == circle.visibility.value:
        return None
    changed = await set_visibility(circle, level, by=by, facilitator_choices=facilitator_choices)
    if changed is not None:
        note = f"{changed.before.value} to {changed.after.value}"
        await modlog.record(circle, by, SET_VISIBILITY, target_uri=changed.object_uri, reason=note, now=now)
    return changed


async def change_retention(circle: Circle, days: int | None, by: Actor, *, now: datetime) -> bool:
    """A moderator sets how many days posts are kept (None: until deleted); False when unchanged."""
    await check_moderator(circle, by)
    if days == circle.retention_days:
        return False
    await set_retention(circle, days)
    note = f"{days} days" if days is not None else "kept until deleted"
    await modlog.record(circle, by, SET_RETENTION, target_uri=await group_uri(circle), reason=note, now=now)
    return True


async def set_join_approval(circle: Circle, required: bool, by: Actor, *, now: datetime) -> bool:
    """Whether a facilitator approves each join (always, outside public circles); False when unchanged."""
    await check_moderator(circle, by)
    if not circle.is_local:
        raise BadRequest("a remote circle's joining is decided at its own instance")
    if not required and circle.visibility is not Visibility.PUBLIC:
        raise BadRequest("members and local circles always ask a facilitator to approve each join")
    if circle.requires_approval == required:
        return False
    circle.requires_approval = required
    await circle.save(update_fields=["requires_approval", "updated_at"])
    note = "facilitators approve each join" if required else "anyone may join at once"
    await modlog.record(circle, by, SET_JOIN_APPROVAL, target_uri=await group_uri(circle), reason=note, now=now)
    return True


async def set_member_messages(circle: Circle, allowed: bool, by: Actor, *, now: datetime) -> bool:
    """Whether members may write private messages to each other (they always may write to facilitators); False
    when unchanged. Turning it off ends member-to-member conversations too: nobody writes in them any more."""
    await check_moderator(circle, by)
    if not circle.is_local:
        raise BadRequest("a remote circle's settings are decided at its own instance")
    if circle.members_may_message == allowed:
        return False
    circle.members_may_message = allowed
    await circle.save(update_fields=["members_may_message", "updated_at"])
    note = "members may write to each other" if allowed else "members write only to facilitators"
    await modlog.record(circle, by, SET_MEMBER_MESSAGES, target_uri=await group_uri(circle), reason=note, now=now)
    return True
