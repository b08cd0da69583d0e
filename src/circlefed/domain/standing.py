"""Domain: whether an actor may take part in a circle now: circle bans and acknowledged ground rules."""

from __future__ import annotations

from datetime import datetime

from circlefed.errors import BadRequest, Conflict, Forbidden
from circlefed.storage.models import Actor, Circle, CircleBan, Membership


async def active_ban(circle: Circle, actor: Actor, now: datetime) -> CircleBan | None:
    """The actor's ban from the circle while it lasts (an expired ban is no ban)."""
    ban = await CircleBan.get_or_none(circle_id=circle.id, actor_id=actor.id)
    if ban is None or (ban.expires_at is not None and ban.expires_at <= now):
        return None
    return ban


async def check_not_banned(circle: Circle, actor: Actor, now: datetime) -> None:
    ban = await active_ban(circle, actor, now)
    if ban is not None:
        until = f" until {ban.expires_at:%Y-%m-%d %H:%M} UTC" if ban.expires_at else ""
        raise Forbidden(f"banned from this circle{until}")


def needs_acknowledgement(circle: Circle, membership: Membership | None) -> bool:
    """A local member of a circle hosted here whose acknowledged rules are older than the current ones.

    A member who joined before the circle had rules counts as having acknowledged version 1; remote members
    acknowledge by following (their instance has no way to ask them again)."""
    if membership is None or not circle.is_local or not has_rules(circle):
        return False
    return (membership.rules_version_acknowledged or 1) < circle.rules_version


async def check_may_post(circle: Circle, author: Actor, now: datetime) -> None:
    """Not banned; and, for a local member of a circle hosted here, the current ground rules acknowledged."""
    await check_not_banned(circle, author, now)
    if author.is_local and circle.is_local:
        membership = await Membership.get_or_none(circle_id=circle.id, actor_id=author.id)
        if needs_acknowledgement(circle, membership):
            raise Forbidden(
                f"the ground rules of this circle changed: acknowledge them (version {circle.rules_version}) "
                "before posting"
            )


def check_current(circle: Circle, version: int | None) -> None:
    """Acknowledging the rules means their current version (they may have changed since they were read)."""
    if version is None:
        raise BadRequest(f"read and acknowledge the circle's ground rules (version {circle.rules_version}) to join")
    if version != circle.rules_version:
        raise Conflict(f"the ground rules changed: read and acknowledge version {circle.rules_version}")


def has_rules(circle: Circle) -> bool:
    return bool(circle.rules_source.strip())
