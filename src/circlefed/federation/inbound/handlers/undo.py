"""Federation: Undo whose object is only an id: found among our Follows and reactions, then handled as such."""

from __future__ import annotations

from circlefed.federation.inbound.context import HandlerContext, ignore
from circlefed.federation.inbound.handlers import follow, moderation, reactions
from circlefed.protocol.parse import reference_id
from circlefed.storage.models import CircleBan, Membership, Reaction


async def handle(ctx: HandlerContext, activity: dict) -> None:
    undone = reference_id(activity.get("object"))
    if undone is None:
        return ignore(activity, "it names nothing to undo")
    if await Membership.exists(follow_activity_uri=undone, actor_id=ctx.actor.id):
        return await follow.handle_undo(ctx, activity)
    if await Reaction.exists(activity_uri=undone, actor_id=ctx.actor.id):
        return await reactions.handle_undo(ctx, activity)
    ban = await CircleBan.get_or_none(activity_uri=undone)
    if ban is not None:
        return await moderation.undo_ban_by_id(ctx, activity, ban)
    return ignore(activity, "nothing known to undo")
