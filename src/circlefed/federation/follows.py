"""Federation: a local member joins a circle by handle (@slug@other.example): WebFinger, the circle's row, Follow."""

from __future__ import annotations

import logging

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from circlefed.domain.events import JoinRequested
from circlefed.domain.memberships import JoinOutcome, request_join
from circlefed.errors import BadRequest
from circlefed.federation.handles import resolve_handle
from circlefed.federation.outbound import publish
from circlefed.federation.services import Federation
from circlefed.storage.models import Actor, Circle, MembershipState, Visibility

log = logging.getLogger(__name__)


async def join_remote_circle(federation: Federation, member: Actor, handle: str) -> JoinOutcome:
    """SPEC: fep-1b12 following: resolve the handle, remember the circle (is_local False), keep a pending
    membership and send a Follow; the circle's Accept approves it (and backfills its recent threads)."""
    if not member.is_local:
        raise BadRequest("only members of this instance join circles from here")
    group = await resolve_handle(federation, handle)
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
            events = [JoinRequested(circle, member, outcome.membership, outcome.membership.follow_activity_uri)]
        await publish(site, events, now=now)
    log.info("%s asked to join %s (%s)", member.uri, group.uri, outcome.state.value)
    return outcome


async def remote_circle(group: Actor) -> Circle:
    """The local row standing for a remote Group, created from its document on first use."""
    existing = await Circle.get_or_none(actor_id=group.id)
    if existing is not None:
        return existing
    document = group.document or {}
    approval = document.get("manuallyApprovesFollowers") is True
    # Lemmy's reading: a Group that approves followers and is not discoverable is a private community.
    private = approval and document.get("discoverable") is False
    try:
        async with in_transaction():
            return await Circle.create(
                actor=group,
                is_local=False,
                slug=group.preferred_username[:64],
                name=(group.display_name or group.preferred_username)[:255],
                visibility=Visibility.MEMBERS if private else Visibility.PUBLIC,
                requires_approval=approval,
                posting_restricted_to_mods=document.get("postingRestrictedToMods") is True,
            )
    except IntegrityError:
        return await Circle.get(actor_id=group.id)
