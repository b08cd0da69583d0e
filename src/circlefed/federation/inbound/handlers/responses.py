"""Federation: Accept and Reject of a local member's Follow of a remote circle (then backfill its threads)."""

from __future__ import annotations

import logging

from tortoise.transactions import in_transaction

from circlefed.domain.memberships import approve_membership, is_member, reject_membership
from circlefed.federation.inbound.backfill import backfill_circle
from circlefed.federation.inbound.context import HandlerContext, ignore
from circlefed.federation.lookup import circle_of_actor
from circlefed.protocol.parse import reference_id
from circlefed.storage.models import Actor, Circle, Membership, MembershipState

log = logging.getLogger(__name__)


async def handle_accept(ctx: HandlerContext, activity: dict) -> None:
    """SPEC: fep-1b12 following: the remote circle's Group accepted: the membership is approved, and the
    circle's recent threads are backfilled from its outbox."""
    found = await _pending_follow(ctx, activity)
    if found is None:
        return None
    circle, member = found
    async with in_transaction():
        await ctx.publish([await approve_membership(circle, member, by=ctx.actor)])
    await backfill_circle(ctx.federation, circle, now=ctx.now)
    return None


async def handle_reject(ctx: HandlerContext, activity: dict) -> None:
    """The circle refused a pending request, or (an approved member's Follow) removed the member: this instance
    stops showing them the circle at once."""
    found = await _pending_follow(ctx, activity, approved_too=True)
    if found is None:
        return None
    circle, member = found
    async with in_transaction():
        if await is_member(circle, member):
            await Membership.filter(circle_id=circle.id, actor_id=member.id).delete()
            log.info("remote circle %s removed local actor %s", circle.id, member.id)
        else:
            await ctx.publish([await reject_membership(circle, member, by=ctx.actor)])
    return None


async def _pending_follow(
    ctx: HandlerContext, activity: dict, *, approved_too: bool = False
) -> tuple[Circle, Actor] | None:
    """The remote circle (whose Group sent this) and the local member whose pending Follow it answers."""
    if ctx.via is not None:
        return ignore(activity, "an Accept/Reject relayed by a Group is not for us")
    circle = await circle_of_actor(ctx.actor.id)
    if circle is None or circle.is_local:
        return ignore(activity, "actor %s is not a remote circle joined from here", ctx.actor.id)
    follow = activity.get("object")
    query = Membership.filter(circle_id=circle.id, actor__is_local=True)
    follow_uri = reference_id(follow)
    membership = await query.filter(follow_activity_uri=follow_uri).first() if follow_uri else None
    if membership is None and isinstance(follow, dict):
        # Some servers answer with a Follow of their own making: match it by its actor.
        membership = await query.filter(actor__uri=reference_id(follow.get("actor")) or "").first()
    if membership is None:
        return ignore(activity, "it answers no Follow sent from here")
    answerable = (MembershipState.PENDING, MembershipState.APPROVED) if approved_too else (MembershipState.PENDING,)
    if membership.state not in answerable:
        return ignore(activity, "the membership is already %s", membership.state.value)
    return circle, await Actor.get(id=membership.actor_id)
