"""Federation: Update of a thread or reply (author only, same origin) and of a remote actor's profile."""

from __future__ import annotations

import logging

from tortoise.transactions import in_transaction

from circlefed.errors import CirclefedError
from circlefed.federation.inbound.context import HandlerContext, Refused, ignore, wait_for_object
from circlefed.federation.inbound.ingest import store_post
from circlefed.federation.lookup import find_post, thread_and_circle
from circlefed.federation.remote.circle_facts import reread_remote_circle
from circlefed.protocol.parse import reference_id
from circlefed.protocol.posts import parse_post
from circlefed.storage.models import Thread

log = logging.getLogger(__name__)


async def handle(ctx: HandlerContext, activity: dict) -> None:
    """SPEC: PROTOCOL.md deletion and edits: only the author updates a post; the Group re-announces it."""
    post = parse_post(activity.get("object"))
    if post.author_uri != ctx.actor.uri:
        # SPEC: PROTOCOL.md attack 16: an Update by someone other than the author
        raise Refused("only the author may update a post")
    row = await find_post(post.uri)
    if row is None:
        return wait_for_object(ctx, activity, "the object")
    thread, circle = await thread_and_circle(row)
    if ctx.via is None and not circle.is_local:
        return ignore(activity, "updates in a remote circle arrive through its Group")
    if ctx.via is not None and circle.id != ctx.via.id:
        raise Refused("the object belongs to another circle")
    async with in_transaction():
        # The same safety net as a new post: content rules, crisis language (domain/edits.py).
        await ctx.publish(
            await store_post(
                circle, None if isinstance(row, Thread) else thread, post, ctx.actor, now=ctx.now,
                safety=ctx.site.safety,
            )
        )
    return None


async def handle_actor(ctx: HandlerContext, activity: dict) -> None:
    """Update(Person|Group|...) of the sender itself: its cached document is refreshed from its origin; a
    circle's row re-reads its level (and the rest) from the Group document it sent about itself."""
    embedded = activity.get("object")
    if reference_id(embedded) != ctx.actor.uri or ctx.via is not None:
        return ignore(activity, "an actor may update only itself")
    actor = ctx.actor
    try:
        actor = await ctx.federation.remote_actors.by_uri(ctx.actor.uri, refresh=True)
    except CirclefedError as exc:
        # A circle that became local serves its document to nobody: its signed Update still says so.
        log.info("could not refetch actor %s after its Update: %s", ctx.actor.id, exc)
    await reread_remote_circle(actor, embedded if isinstance(embedded, dict) else None)
    return None
