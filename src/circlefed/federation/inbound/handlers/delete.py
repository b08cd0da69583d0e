"""Federation: Delete of a thread or reply (author, a facilitator, or the circle's own Group): a Tombstone; of a
private message by its author: gone from the conversation."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from circlefed.domain.replies import delete_reply
from circlefed.domain.threads import delete_thread
from circlefed.federation.inbound.context import HandlerContext, Refused, ignore, wait_for_object
from circlefed.federation.inbound.handlers.messages import delete_direct
from circlefed.federation.lookup import find_post, thread_and_circle
from circlefed.protocol.moderation import text_field
from circlefed.protocol.parse import reference_id
from circlefed.storage.models import Message, Thread


async def handle(ctx: HandlerContext, activity: dict) -> None:
    """SPEC: PROTOCOL.md deletion: only the author, a facilitator of the circle, or an admin of the circle's
    instance may delete (the domain checks); a remote circle's Group vouches for its own moderators."""
    object_uri = reference_id(activity.get("object"))
    if object_uri == ctx.actor.uri:
        return ignore(activity, "deleting an account is not applied yet")
    message = await Message.get_or_none(uri=object_uri) if object_uri else None
    if message is not None:
        return await delete_direct(ctx, activity, message)
    row = await find_post(object_uri)
    if row is None:
        return wait_for_object(ctx, activity, "the object")
    _, circle = await thread_and_circle(row)
    if ctx.via is None and not circle.is_local:
        return ignore(activity, "deletions in a remote circle arrive through its Group")
    if ctx.via is not None and circle.id != ctx.via.id:
        raise Refused("the object belongs to another circle")
    if row.deleted_at is not None:
        return ignore(activity, "already deleted")
    # A removal relayed by a remote circle's Group: the Group vouches for its moderator (FEP-1b12 moderation).
    options = {"now": ctx.now, "reason": text_field(activity, "summary"), "vouched": ctx.via is not None}
    async with in_transaction():
        if isinstance(row, Thread):
            event = await delete_thread(row, ctx.actor, **options)
        else:
            event = await delete_reply(row, ctx.actor, **options)
        await ctx.publish([event])
    return None
