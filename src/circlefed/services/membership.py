"""Services: joining and leaving circles, facilitators answering join requests and removing members, and a
member's name in a circle, each committed with what it publishes."""

from __future__ import annotations

from datetime import datetime

from circlefed.domain import account_settings, memberships
from circlefed.domain.events import JoinApproved, JoinRejected, MemberLeft, MemberRemoved, NameChanged
from circlefed.domain.memberships import JoinOutcome
from circlefed.domain.site import Site
from circlefed.federation.actions import perform
from circlefed.federation.remote.follows import find_remote_circle, join_remote_circle
from circlefed.federation.wiring import FederationWiring
from circlefed.storage.models import Account, Actor, Circle


async def join_circle(
    site: Site, circle: Circle, person: Actor, *, rules_version: int | None, now: datetime
) -> JoinOutcome:
    """Join an open circle at once, or ask to (approval, confidential, another instance's circle)."""
    change = memberships.request_join(circle, person, acknowledged_rules_version=rules_version, now=now)
    return await perform(site, change, now=now)


async def join_elsewhere(federation: FederationWiring, person: Actor, handle: str) -> JoinOutcome:
    """Ask to join a circle of another instance by its handle (@slug@other.example): it is read afresh, then
    followed; its Accept approves the membership."""
    return await join_remote_circle(federation, person, handle)


async def find_elsewhere(federation: FederationWiring, handle: str) -> Circle:
    """A circle of another instance by its handle, read afresh and remembered here (to be shown, then joined)."""
    return await find_remote_circle(federation, handle)


async def leave_circle(site: Site, circle: Circle, person: Actor, *, now: datetime) -> MemberLeft:
    """Leave, or withdraw a request still waiting."""
    return await perform(site, memberships.leave_circle(circle, person), now=now)


async def approve_join(site: Site, circle: Circle, person: Actor, by: Actor, *, now: datetime) -> JoinApproved:
    return await perform(site, memberships.approve_membership(circle, person, by=by, now=now), now=now)


async def reject_join(
    site: Site, circle: Circle, person: Actor, by: Actor, *, reason: str, now: datetime
) -> JoinRejected:
    return await perform(site, memberships.reject_membership(circle, person, by=by, now=now, reason=reason), now=now)


async def remove_members(
    site: Site, circle: Circle, people: list[Actor], by: Actor, *, now: datetime
) -> list[MemberRemoved]:
    return await perform(site, memberships.remove_members(circle, people, by=by, now=now), now=now)


async def name_in_circle(site: Site, account: Account, membership_id: int, name: str, *, now: datetime) -> NameChanged:
    """The member's chosen name in one circle ("" goes back to the name given to them)."""
    return await perform(site, account_settings.set_circle_pseudonym(account, membership_id, name), now=now)
