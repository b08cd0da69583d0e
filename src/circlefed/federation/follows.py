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
    log.info("actor %s asked to join circle actor %s (%s)", member.id, group.id, outcome.state.value)
    return outcome


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


async def reread_remote_circle(group: Actor, document: dict | None) -> Circle | None:
    """A remote circle's row follows its Group document (sent in every Update(Group)): its level above all, so
    that copies kept here of a circle that became confidential are hidden from everyone but its members at once.
    None when the Group is no circle known here."""
    circle = await Circle.get_or_none(actor_id=group.id, is_local=False)
    if circle is None:
        return None
    facts = circle_facts(group, document if isinstance(document, dict) else group.document)
    changed = [name for name, value in facts.items() if getattr(circle, name) != value]
    if changed:
        before = circle.visibility
        await circle.update_from_dict(facts).save(update_fields=[*changed, "updated_at"])
        if before is not circle.visibility:
            log.info("remote circle %s: visibility %s -> %s", circle.id, before.value, circle.visibility.value)
    return circle


def circle_facts(group: Actor, document: dict | None) -> dict:
    """What a circle's row says, from its Group document: name, level, join approval, who may post."""
    document = document or {}
    approval = document.get("manuallyApprovesFollowers") is True
    return {
        "name": (group.display_name or group.preferred_username)[:255],
        "visibility": _level(document, approval),
        "requires_approval": approval,
        "posting_restricted_to_mods": document.get("postingRestrictedToMods") is True,
    }


def _level(document: dict, approval: bool) -> Visibility:
    stated = document.get("circleVisibility")
    if isinstance(stated, str) and stated in Visibility.__members__.values():
        return Visibility(stated)
    # Lemmy's reading: a Group that approves followers and is not discoverable is a private community. Anything
    # unclear is taken as confidential: copies are then shown only to the circle's members here.
    if approval and document.get("discoverable") is not True:
        return Visibility.MEMBERS
    return Visibility.PUBLIC
