"""Domain: a circle's ground rules: facilitators write them, members acknowledge them to join and to post."""

from __future__ import annotations

from datetime import datetime

from circlefed.domain import modlog
from circlefed.domain.content import render_markdown
from circlefed.domain.events import RulesChanged
from circlefed.domain.memberships import membership_of
from circlefed.domain.moderation import check_moderator
from circlefed.domain.standing import check_current
from circlefed.errors import BadRequest, NotFound
from circlefed.storage.models import Actor, Circle, Membership, MembershipState

MAX_RULES_LENGTH = 20_000


async def set_rules(
    circle: Circle, by: Actor, source: str, *, require_reacknowledgement: bool = False, now: datetime
) -> RulesChanged:
    """Write the ground rules (Markdown; shown as the Group's summary). With `require_reacknowledgement` the
    rules version goes up and local members cannot post until they acknowledge the new version."""
    await check_moderator(circle, by)
    if not circle.is_local:
        raise BadRequest("a remote circle's ground rules are written at its own instance")
    if len(source) > MAX_RULES_LENGTH:
        raise BadRequest(f"ground rules are at most {MAX_RULES_LENGTH} characters")
    circle.rules_source = source.strip()
    circle.rules_html = render_markdown(circle.rules_source) if circle.rules_source else ""
    if require_reacknowledgement:
        circle.rules_version += 1
    await circle.save(update_fields=["rules_source", "rules_html", "rules_version", "updated_at"])
    membership = await membership_of(circle, by)
    if membership is not None:  # whoever wrote them has read them
        await _acknowledge(membership, circle.rules_version, now)
    note = f"version {circle.rules_version}" + (", acknowledgement required again" if require_reacknowledgement else "")
    group = await Actor.get(id=circle.actor_id)
    await modlog.record(circle, by, modlog.SET_RULES, target_uri=group.uri, reason=note, now=now)
    return RulesChanged(circle, by, group.uri)


async def acknowledge_rules(circle: Circle, actor: Actor, *, version: int, now: datetime) -> Membership:
    """A member says they read the rules of `version` (the current one: the rules may have changed meanwhile)."""
    membership = await membership_of(circle, actor)
    if membership is None or membership.state is MembershipState.REJECTED:
        raise NotFound("you are not a member of this circle")
    check_current(circle, version)
    await _acknowledge(membership, version, now)
    return membership


async def _acknowledge(membership: Membership, version: int, now: datetime) -> None:
    membership.rules_version_acknowledged = version
    membership.rules_acknowledged_at = now
    await membership.save(update_fields=["rules_version_acknowledged", "rules_acknowledged_at", "updated_at"])
