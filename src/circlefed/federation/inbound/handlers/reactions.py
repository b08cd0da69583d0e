"""Federation: Like and Dislike of a thread or reply (counted, relayed by the Group) and their Undo."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from circlefed.domain.reactions import react, withdraw_reaction
from circlefed.federation.inbound.context import HandlerContext, Refused, ignore
from circlefed.federation.lookup import find_post, thread_and_circle
from circlefed.protocol.parse import reference_id
from circlefed.storage.models import Circle, InboxItem, Post, Reaction, ReactionKind, Thread

KINDS = {"Like": ReactionKind.LIKE, "Dislike": ReactionKind.DISLIKE}


async def handle(ctx: HandlerContext, activity: dict) -> None:
    """SPEC: PROTOCOL.md reactions: counted per object; only the count is ever shown, never the voters."""
    place = await _place(ctx, activity, reference_id(activity.get("object")))
    if place is None:
        return None
    circle, row = place
    async with in_transaction():
        event = await react(
            circle, row, ctx.actor, kind=KINDS[activity["type"]], activity_uri=activity["id"], now=ctx.now
        )
        if event is None:
            return ignore(activity, "already counted")
        await ctx.publish([event])
    return None


async def handle_undo(ctx: HandlerContext, activity: dict) -> None:
    """Undo(Like|Dislike), or an Undo naming the reaction's activity id only."""
    undone = activity.get("object")
    if isinstance(undone, dict) and reference_id(undone.get("actor")) not in (None, ctx.actor.uri):
        raise Refused("an Undo of someone else's reaction")
    reaction_uri = reference_id(undone)
    object_uri = reference_id(undone.get("object")) if isinstance(undone, dict) else None
    if object_uri is None and reaction_uri is not None:
        reaction = await Reaction.get_or_none(activity_uri=reaction_uri, actor_id=ctx.actor.id)
        object_uri = reaction.object_uri if reaction is not None else None
    place = await _place(ctx, activity, object_uri)
    if place is None:
        return None
    circle, _ = place
    kind = KINDS.get(undone.get("type")) if isinstance(undone, dict) else None
    async with in_transaction():
        event = await withdraw_reaction(circle, ctx.actor, activity_uri=reaction_uri, object_uri=object_uri, kind=kind)
        if event is None:
            return ignore(activity, "no such reaction")
        await _free_activity_id(ctx, reaction_uri)
        await ctx.publish([event])
    return None


async def _free_activity_id(ctx: HandlerContext, reaction_uri: str | None) -> None:
    """An undone reaction's id may come again: Takahe likes again with the same Like id after an Undo. The
    inbox keeps one row per activity id (a redelivery is a no-op), so the undone Like's row gives up its id; what
    counts is the live state, one reaction per actor and object (domain/reactions.py)."""
    if reaction_uri is None:
        return
    stored = await InboxItem.get_or_none(activity_uri=reaction_uri, actor_uri=ctx.actor.uri)
    if stored is not None:
        await InboxItem.filter(id=stored.id).update(activity_uri=f"undone:{stored.id}")


async def _place(ctx: HandlerContext, activity: dict, object_uri: str | None) -> tuple[Circle, Thread | Post] | None:
    row = await find_post(object_uri)
    if row is None:
        return ignore(activity, "the object is not stored here")
    _, circle = await thread_and_circle(row)
    if ctx.via is None and not circle.is_local:
        return ignore(activity, "reactions in a remote circle arrive through its Group")
    if ctx.via is not None and circle.id != ctx.via.id:
        raise Refused("the object belongs to another circle")
    return circle, row
