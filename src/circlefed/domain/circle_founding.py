"""Domain: who may start a circle (the admin's `circle_creators` setting) and starting one with its ground rules,
level, join approval and retention in one step; the founder becomes its first facilitator."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.domain import modlog
from circlefed.domain.circles import create_circle
from circlefed.domain.instance_policy import read_instance_policy, update_instance_policy
from circlefed.domain.memberships import is_local_admin
from circlefed.domain.rules import set_rules
from circlefed.domain.site import Site
from circlefed.errors import BadRequest, Forbidden
from circlefed.policy.confidentiality import check_retention_days, visibility_change_verdict
from circlefed.policy.verdicts import Reject
from circlefed.storage.models import Actor, Circle, CircleCreators, Membership, MembershipState, Role, Visibility

log = logging.getLogger(__name__)
CREATE_CIRCLE = "create_circle"  # moderation log action, stable like those in modlog.py
WHO_MAY_CREATE = {
    CircleCreators.ADMINS: "Only the admins of this instance start circles.",
    CircleCreators.FACILITATORS: "Admins and the facilitators of a circle here start circles.",
    CircleCreators.MEMBERS: "Every member of this instance may start a circle.",
}


@dataclass(frozen=True)
class CirclePlan:
    """What the founder asked for: everything the new circle starts with."""

    slug: str
    name: str
    description: str = ""
    rules: str = ""
    visibility: Visibility = Visibility.PUBLIC
    requires_approval: bool = False
    retention_days: int | None = None


async def circle_creators() -> CircleCreators:
    return (await read_instance_policy()).circle_creators


async def set_circle_creators(who: CircleCreators) -> None:
    await update_instance_policy(circle_creators=who)
    log.info("circle creation open to: %s", who.value)


async def may_create_circles(actor: Actor) -> bool:
    """An admin always; a facilitator of a circle here or any member when the admin's setting says so."""
    if not actor.is_local:
        return False
    if await is_local_admin(actor):
        return True
    who = await circle_creators()
    if who is CircleCreators.MEMBERS:
        return True
    if who is CircleCreators.FACILITATORS:
        return await Membership.filter(
            actor_id=actor.id, role=Role.FACILITATOR, state=MembershipState.APPROVED, circle__is_local=True
        ).exists()
    return False


async def levels_for(actor: Actor, facilitator_choices: Iterable[str]) -> tuple[str, ...]:
    """The levels `actor` may give a circle: all for an admin, else those the admin lets facilitators choose."""
    by_admin = await is_local_admin(actor)
    choices = tuple(facilitator_choices)
    verdicts = {
        level.value: visibility_change_verdict(level.value, by_admin=by_admin, facilitator_choices=choices)
        for level in Visibility
    }
    return tuple(level for level, verdict in verdicts.items() if not isinstance(verdict, Reject))


async def found_circle(
    site: Site, plan: CirclePlan, founder: Actor, *, facilitator_choices: Iterable[str], now: datetime
) -> Circle:
    """Start a circle as `plan` says, with `founder` as its facilitator, or refuse with the reason."""
    if not await may_create_circles(founder):
        raise Forbidden(WHO_MAY_CREATE[await circle_creators()] + " Ask an admin to start the circle for you.")
    if plan.visibility.value not in await levels_for(founder, facilitator_choices):
        raise Forbidden(f"facilitators may not start a {plan.visibility.value} circle: ask an admin of this instance")
    return await start_circle(site, plan, founder, now=now)


async def start_circle(site: Site, plan: CirclePlan, founder: Actor | None, *, now: datetime) -> Circle:
    """Start a circle as `plan` says, whoever asks (the admin at the command line: `founder` may be None, then
    the circle starts without facilitator and without ground rules)."""
    if plan.rules.strip() and founder is None:
        raise BadRequest("ground rules need a facilitator who writes them")
    retention = check_retention_days(plan.retention_days)
    async with in_transaction():
        circle = await create_circle(
            site, plan.slug, plan.name, visibility=plan.visibility, description=plan.description, facilitator=founder
        )
        circle.requires_approval = plan.requires_approval or plan.visibility is not Visibility.PUBLIC
        circle.retention_days = retention
        await circle.save(update_fields=["requires_approval", "retention_days", "updated_at"])
        if founder is not None:
            group = await Actor.get(id=circle.actor_id)
            await modlog.record(
                circle, founder, CREATE_CIRCLE, target_uri=group.uri, reason=plan.visibility.value, now=now
            )
        if plan.rules.strip():
            await set_rules(circle, founder, plan.rules, now=now)
    log.info(
        "circle %s started by %s (%s)",
        circle.id,
        f"actor {founder.id}" if founder else "the CLI",
        circle.visibility.value,
    )
    return circle
