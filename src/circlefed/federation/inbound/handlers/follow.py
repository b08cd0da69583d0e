"""Federation: Follow of a local circle (join: Accept or a pending request) and Undo(Follow) (leave)."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from circlefed.domain.memberships import leave_circle, membership_of, request_join
from circlefed.domain.standing import active_ban
from circlefed.federation.confidential import remote_join_refusal
from circlefed.federation.inbound.context import HandlerContext, Refused, ignore
from circlefed.federation.lookup import local_circle
from circlefed.federation.outbound.publish import answer_follow
from circlefed.protocol.parse import reference_id
from circlefed.storage.models import Circle, Membership, MembershipState

JOIN_REFUSED = "This circle does not accept members from your instance."


async def handle(ctx: HandlerContext, activity: dict) -> None:
    """SPEC: fep-1b12 following: an open circle answers Accept at once; others keep a pending request that a
    facilitator approves or rejects (manuallyApprovesFollowers)."""
    if ctx.via is not None:
        return ignore(activity, "a Follow relayed by a Group is not for us")
    group_uri = reference_id(activity.get("object"))
    circle = await local_circle(group_uri)
    refusal = await remote_join_refusal(group_uri, ctx.actor)
    if refusal is not None:
        if circle is not None:
            await _reject_join(ctx, circle, activity)
        raise Refused(f"actor {ctx.actor.id} may not join: {refusal}")
    if circle is None:
        return ignore(activity, "not a circle hosted here")
    ban = await active_ban(circle, ctx.actor, ctx.now)
    if ban is not None:
        until = f" until {ban.expires_at:%Y-%m-%d %H:%M} UTC" if ban.expires_at else ""
        await _reject_join(ctx, circle, activity, summary=f"You are banned from this circle{until}.")
        raise Refused(f"actor {ctx.actor.id} may not join circle {circle.id}: banned{until}")
    async with in_transaction():
        outcome = await request_join(circle, ctx.actor, follow_activity_uri=activity["id"], now=ctx.now)
        if outcome.changed:
            await ctx.publish(outcome.events)
        elif outcome.state is MembershipState.APPROVED:
            # Peers resend a Follow whose Accept they missed: accept again.
            await answer_follow(ctx.site, circle, ctx.actor, activity["id"], now=ctx.now, received=activity)
    return None


async def _reject_join(ctx: HandlerContext, circle: Circle, activity: dict, *, summary: str = JOIN_REFUSED) -> None:
    """Reject(Follow) (Lemmy answers so too), so that the person does not wait on "pending" for ever. It tells
    their instance about their own Follow only, and why in words that name no policy detail: neither whether the
    instance is distrusted nor what its software was taken for (a banned person learns until when)."""
    async with in_transaction():
        await answer_follow(
            ctx.site, circle, ctx.actor, activity["id"], now=ctx.now, received=activity, kind="Reject",
            personal=True, summary=summary,
        )


async def handle_undo(ctx: HandlerContext, activity: dict) -> None:
    """Undo(Follow): the follower leaves the circle (or withdraws a pending request)."""
    follow = activity.get("object")
    circle = await _undone_circle(ctx, follow)
    if circle is None:
        return ignore(activity, "it undoes no Follow of a circle here by actor %s", ctx.actor.id)
    if await membership_of(circle, ctx.actor) is None:
        return ignore(activity, "actor %s is not a member", ctx.actor.id)
    async with in_transaction():
        await ctx.publish([await leave_circle(circle, ctx.actor)])
    return None


async def _undone_circle(ctx: HandlerContext, follow: object) -> Circle | None:
    if isinstance(follow, dict):
        if reference_id(follow.get("actor")) not in (None, ctx.actor.uri):
            raise Refused("an Undo of someone else's Follow")
        circle = await local_circle(reference_id(follow.get("object")))
        if circle is not None:
            return circle
    follow_uri = reference_id(follow)
    if follow_uri is None:
        return None
    membership = await Membership.get_or_none(follow_activity_uri=follow_uri, actor_id=ctx.actor.id)
    return await Circle.get_or_none(id=membership.circle_id, is_local=True) if membership else None
