"""Federation: a local member joins a circle by handle (@slug@other.example): WebFinger, the circle's row, Follow."""

from __future__ import annotations

import logging

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from circlefed.domain.events import JoinRequested
from circlefed.domain.memberships import JoinOutcome, request_join
from circlefed.errors import BadRequest
from circlefed.federation.outbound.publish import publish
from circlefed.federation.remote.circle_facts import circle_facts
from circlefed.federation.remote.handles import resolve_handle
from circlefed.federation.wiring import FederationWiring
from circlefed.storage.models import Actor, Circle, MembershipState

log = logging.getLogger(__name__)


async def join_remote_circle(federation: FederationWiring, member: Actor, handle: str) -> JoinOutcome:
    """SPEC: fep-1b12 following: resolve the handle, remember the circle (is_local False), keep a pending
    membership and send a Follow; the circle's Accept approves it (and backfills its recent threads)."""
    if not member.is_local:
        raise BadRequest("only members of this instance join circles from here")
    # Read afresh: the circle's level may have changed since this instance last read it (copies kept here of a
    # circle that became confidential are hidden at once: circle_facts.reread_remote_circle).
    group = await resolve_handle(federation, handle, refresh=True)
    if group.type != "Group":
        raise BadRequest(f"{handle} is not a circle (its actor is a {group.type})")
    now = federation.clock.now()
    site = federation.site
    async with in_transaction():
        circle = await remote_circle(group)
        outcome = await request_join(circle, member, follow_activity_uri=site.uris.new_activity(), now=now)
        events = list(outcome.events)
        if not events and outcome.state is MembershipState.PENDING:
            # Asked again while still pending: send the Follow again (its Accept may have been lost).
            again = JoinRequested(circle, member, outcome.membership, outcome.membership.follow_activity_uri, group.uri)
            events = [again]
        await publish(site, events, now=now)
    log.info("actor %s asked to join circle actor %s (%s)", member.id, group.id, outcome.state.value)
    return outcome


async def find_remote_circle(federation: FederationWiring, handle: str) -> Circle:
    """The circle a handle of another instance names (read afresh), remembered here; BadRequest when the handle
    names no circle."""
    group = await resolve_handle(federation, handle, refresh=True)
    if group.type != "Group":
        raise BadRequest(f"{handle} is not a circle (its actor is a {group.type})")
    return await remote_circle(group)


async def remote_circle(group: Actor) -> Circle:
    """The local row standing for a remote Group, created from its document on first use."""
    existing = await Circle.get_or_none(actor_id=group.id)
    if existing is not None:
        return existing
    try:
        async with in_transaction():
            return await Circle.create(
                actor=group, is_local=False, slug=group.preferred_username[:64], **circle_facts(group, group.document)
            )
    except IntegrityError:
        return await Circle.get(actor_id=group.id)
