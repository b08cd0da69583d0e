"""Federation: Create(Page|Article|Note): a direct message to a person here (handlers/messages.py), else a new
thread or reply in a circle, relayed by the circle's Group."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from circlefed.federation.inbound.context import HandlerContext, Refused, ignore
from circlefed.federation.inbound.handlers.messages import receive_direct
from circlefed.federation.inbound.ingest import store_post, thread_for_reply
from circlefed.federation.lookup import addressed_local_circle, find_post, thread_and_circle
from circlefed.protocol.posts import RemotePost, parse_post
from circlefed.storage.models import Actor, Circle, Thread, Visibility


async def handle(ctx: HandlerContext, activity: dict) -> None:
    post = parse_post(activity.get("object"))
    if post.author_uri != ctx.actor.uri:
        raise Refused("the object is attributed to someone other than the activity's actor")
    if await receive_direct(ctx, activity, post):
        return
    await store_in_circle(ctx, activity, post, ctx.actor)


async def store_in_circle(ctx: HandlerContext, activity: dict, post: RemotePost, author: Actor) -> None:
    """Store a post where it belongs (a thread or reply of a circle) and publish what that causes."""
    place = await _place(ctx, activity, post)
    if place is None:
        return
    circle, thread = place
    async with in_transaction():
        await ctx.publish(await store_post(circle, thread, post, author, now=ctx.now, safety=ctx.site.safety))


async def _place(ctx: HandlerContext, activity: dict, post: RemotePost) -> tuple[Circle, Thread | None] | None:
    if post.in_reply_to is not None:
        return await _reply_place(ctx, activity, post)
    if ctx.via is not None:
        return ctx.via, None
    circle = await addressed_local_circle(post.addressed)
    if circle is None:
        return ignore(activity, "not addressed to a circle hosted here")
    if post.type == "Note" and not await _names_circle(post, circle):
        # SPEC: PROTOCOL.md from Mastodon: a Note starts a thread only when it mentions the circle (or, from
        # FEP-1b12 software, names it as its `audience`): a mere copy to the circle is no new thread.
        return ignore(activity, "a Note that neither mentions the circle nor has it as audience")
    _check_visibility(post, circle)
    return circle, None


async def _reply_place(ctx: HandlerContext, activity: dict, post: RemotePost) -> tuple[Circle, Thread] | None:
    if ctx.via is not None:
        thread = await thread_for_reply(ctx, ctx.via, post.in_reply_to)
        if thread is None:
            return ignore(activity, "its thread is not in %s", ctx.via.id)
        return ctx.via, thread
    row = await find_post(post.in_reply_to)
    if row is None:
        return ignore(activity, "not a reply in any circle here")
    thread, circle = await thread_and_circle(row)
    if not circle.is_local:
        return ignore(activity, "replies in a remote circle arrive through its Group")
    # SPEC: PROTOCOL.md from Mastodon: a reply in a circle thread belongs to it even when it is not addressed.
    _check_visibility(post, circle)
    return circle, thread


async def _names_circle(post: RemotePost, circle: Circle) -> bool:
    actor = await Actor.get(id=circle.actor_id)
    return actor.uri in post.mentions or post.audience == actor.uri


def _check_visibility(post: RemotePost, circle: Circle) -> None:
    if circle.visibility is Visibility.PUBLIC and not post.is_public:
        # A followers-only or direct post must not be published in a public circle (Lemmy does the same).
        raise Refused("a non-public post cannot go into a public circle")
    if circle.visibility is not Visibility.PUBLIC and post.is_public:
        # SPEC: PROTOCOL.md confidential circles: the Group relays activities as received, and a copy addressed
        # to Public would be shown to everyone by the member instances that receive it (Lemmy does the same).
        raise Refused("a public post cannot go into a members circle")
