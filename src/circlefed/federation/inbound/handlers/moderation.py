"""Federation: moderators' Lock, Block, Add/Remove (featured, moderators) and their Undo, in Lemmy's shapes."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from circlefed.domain import moderation
from circlefed.federation.inbound.context import HandlerContext, Refused, ignore, wait_for_object
from circlefed.federation.lookup import find_post, local_circle, thread_and_circle
from circlefed.federation.outbound.moderation_out import featured_uri, moderators_uri
from circlefed.federation.serve.documents import circle_actor
from circlefed.protocol.moderation import parse_time, text_field
from circlefed.protocol.parse import reference_id
from circlefed.storage.models import Actor, Circle, CircleBan, Thread


async def handle_lock(ctx: HandlerContext, activity: dict) -> None:
    """Lemmy `Lock{object: post}`: no new replies in the thread."""
    await _lock(ctx, activity, activity, locked=True)


async def handle_undo_lock(ctx: HandlerContext, activity: dict) -> None:
    await _lock(ctx, activity, activity["object"], locked=False)


async def _lock(ctx: HandlerContext, activity: dict, lock: dict, *, locked: bool) -> None:
    row = await find_post(reference_id(lock.get("object")))
    if row is None:
        return wait_for_object(ctx, activity, "the thread")
    if not isinstance(row, Thread):
        return ignore(activity, "only threads are locked here, not single replies")
    _, circle = await thread_and_circle(row)
    if not await _applies_here(ctx, activity, circle):
        return None
    async with in_transaction():
        event = await moderation.lock_thread(
            row, ctx.actor, locked=locked, reason=text_field(lock, "summary"), now=ctx.now, vouched=_vouched(ctx)
        )
        await ctx.publish([event] if event else [])
    return None


async def handle_block(ctx: HandlerContext, activity: dict) -> None:
    """Lemmy `Block{object: person, target: circle, summary, removeData, endTime|expires}`: a circle ban."""
    circle = await _target_circle(ctx, activity, activity)
    if circle is None or not await _applies_here(ctx, activity, circle):
        return None
    person = await _person(ctx, activity.get("object"))
    expires = parse_time(activity.get("endTime")) or parse_time(activity.get("expires"))
    async with in_transaction():
        reason = text_field(activity, "summary")
        event = await moderation.ban_member(
            # A circle sends a ban's reason only when its facilitator chose to share it with the banned person.
            ctx.site, circle, person, ctx.actor, reason=reason, reason_shared=bool(reason), expires_at=expires,
            remove_data=activity.get("removeData") is True, now=ctx.now, activity_uri=activity["id"],
            vouched=_vouched(ctx),
        )
        await ctx.publish([event])
    return None


async def handle_undo_block(ctx: HandlerContext, activity: dict) -> None:
    block = activity["object"]
    circle = await _target_circle(ctx, activity, block)
    if circle is None or not await _applies_here(ctx, activity, circle):
        return None
    person = await _person(ctx, block.get("object"))
    await _unban(ctx, circle, person)
    return None


async def undo_ban_by_id(ctx: HandlerContext, activity: dict, ban: CircleBan) -> None:
    """Undo naming only the Block's id (found among the bans stored here)."""
    circle = await Circle.get(id=ban.circle_id)
    if await _applies_here(ctx, activity, circle):
        await _unban(ctx, circle, await Actor.get(id=ban.actor_id))


async def _unban(ctx: HandlerContext, circle: Circle, person: Actor) -> None:
    async with in_transaction():
        event = await moderation.unban_member(circle, person, ctx.actor, now=ctx.now, vouched=_vouched(ctx))
        await ctx.publish([event] if event else [])


async def handle_collection_change(ctx: HandlerContext, activity: dict) -> None:
    """Add/Remove with `target` the Group's featured (pin a thread) or moderators collection (facilitators)."""
    target = reference_id(activity.get("target"))
    circle = await _circle_of_collection(ctx, target)
    if circle is None:
        return ignore(activity, "its target is no collection of a circle known here")
    if not await _applies_here(ctx, activity, circle):
        return None
    group = await circle_actor(circle)
    adding = activity["type"] == "Add"
    options = {"now": ctx.now, "vouched": _vouched(ctx)}
    if target == featured_uri(group):
        row = await find_post(reference_id(activity.get("object")))
        if row is None:
            return wait_for_object(ctx, activity, "the thread")
        if not isinstance(row, Thread) or row.circle_id != circle.id:
            raise Refused("only a thread of the circle can be pinned to its featured collection")
        async with in_transaction():
            event = await moderation.pin_thread(row, ctx.actor, pinned=adding, **options)
            await ctx.publish([event] if event else [])
        return None
    person = await _person(ctx, activity.get("object"))
    async with in_transaction():
        event = await moderation.set_facilitator(circle, person, ctx.actor, facilitator=adding, **options)
        await ctx.publish([event] if event else [])
    return None


def _vouched(ctx: HandlerContext) -> bool:
    return ctx.via is not None


async def _applies_here(ctx: HandlerContext, activity: dict, circle: Circle) -> bool:
    """SPEC: fep-1b12 moderation: a circle hosted here takes moderation from its moderators directly; a remote
    circle's copy only from its own Group's Announce."""
    if ctx.via is None and not circle.is_local:
        ignore(activity, "moderation in a remote circle arrives through its Group")
        return False
    if ctx.via is not None and circle.id != ctx.via.id:
        raise Refused("the action concerns another circle than the one announcing it")
    return True


async def _target_circle(ctx: HandlerContext, activity: dict, block: dict) -> Circle | None:
    target = reference_id(block.get("target")) or reference_id(block.get("audience"))
    if ctx.via is not None:
        return ctx.via if target == (await circle_actor(ctx.via)).uri else _site_ban(activity)
    circle = await local_circle(target)
    return circle if circle is not None else _site_ban(activity)


def _site_ban(activity: dict) -> None:
    # Lemmy's Block with an instance as target bans from a whole site: each instance decides that for itself.
    ignore(activity, "its target is not a circle (instance bans are not applied)")


async def _circle_of_collection(ctx: HandlerContext, target: str | None) -> Circle | None:
    if not target:
        return None
    if ctx.via is not None:
        group = await circle_actor(ctx.via)
        return ctx.via if target in (featured_uri(group), moderators_uri(group)) else None
    for suffix in ("/featured", "/moderators"):
        if target.endswith(suffix):
            return await local_circle(target[: -len(suffix)])
    return None


async def _person(ctx: HandlerContext, reference: object) -> Actor:
    uri = reference_id(reference)
    if uri is None:
        raise Refused("the activity names no person")
    return await ctx.federation.remote_actors.by_uri(uri)
