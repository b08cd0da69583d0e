"""Federation: the collections peers read: a circle's outbox, followers, moderators, featured; thread contexts."""

from __future__ import annotations

from circlefed.domain.circles import count_members
from circlefed.domain.memberships import facilitators
from circlefed.domain.pseudonyms import attributed_actor
from circlefed.domain.site import Site
from circlefed.federation.documents import audience_of, circle_actor, object_document
from circlefed.protocol.objects import render_collection, render_count
from circlefed.storage.models import Circle, OutboxActivity, Post, ReviewState, Thread, Visibility
from circlefed.storage.visibility import hidden_instance_ids, without_hidden

OUTBOX_ITEMS = 20  # newest first, inline (Lemmy reads no pages and imports at most 10 on first contact)
OUTBOX_SCAN = 500
CONTEXT_ITEMS = 500
# Live posts: not deleted, and not held for (or rejected in) a facilitator's review. Listings also leave out
# posts by authors on blocked or silenced domains (storage/visibility.py).
LIVE = {"deleted_at__isnull": True, "review_state": ReviewState.VISIBLE}


async def outbox(circle: Circle, audiences: list[Visibility]) -> dict:
    """SPEC: fep-1b12 outbox: for each live thread and reply, newest first, the Group's latest Announce of its
    Create or Update (so an edited post shows only its current text, a deleted one nothing)."""
    group = await circle_actor(circle)
    rows = (
        await OutboxActivity.filter(circle_id=circle.id, actor_id=group.id, type="Announce")
        .order_by("-id")
        .limit(OUTBOX_SCAN)
    )
    latest: dict[str, dict] = {}
    for row in rows:
        if row.object_uri and announced_type(row.payload) in ("Create", "Update"):
            latest.setdefault(row.object_uri, row.payload)
    hidden = await hidden_instance_ids(public=True)  # once per collection: every count and listing uses it
    readable = {**LIVE, "audience__in": audiences}  # the read rule: what this requester may read, row by row
    live = await _live_uris(list(latest), hidden, readable)
    items = [_embedded(payload) for uri, payload in latest.items() if uri in live][:OUTBOX_ITEMS]
    total = await without_hidden(Thread.filter(circle_id=circle.id, **readable), hidden).count()
    total += await without_hidden(Post.filter(thread__circle_id=circle.id, **readable), hidden).count()
    return render_collection(group.outbox_uri or f"{group.uri}/outbox", items, total=total)


async def followers(circle: Circle) -> dict:
    """SPEC: PROTOCOL.md attack 17: how many members, never who."""
    group = await circle_actor(circle)
    return render_count(group.followers_uri or f"{group.uri}/followers", await count_members(circle))


async def moderators(site: Site, circle: Circle) -> dict:
    """SPEC: fep-1b12 moderation: the facilitators, as the collection the Group's attributedTo names; in a
    members circle each as other instances see them (their per-circle pseudonym: domain/pseudonyms.py)."""
    group = await circle_actor(circle)
    shown = [await attributed_actor(site, circle, actor, create=True) for actor in await facilitators(circle)]
    return render_collection(f"{group.uri}/moderators", [actor.uri for actor in shown])


async def featured(site: Site, circle: Circle, audiences: list[Visibility]) -> dict:
    """Pinned threads, embedded as Pages (Lemmy reads them embedded)."""
    group = await circle_actor(circle)
    pinned = Thread.filter(circle_id=circle.id, is_pinned=True, audience__in=audiences, **LIVE)
    threads = await without_hidden(pinned, await hidden_instance_ids(public=True)).order_by("-id")
    pages = [await object_document(site, thread, context=False) for thread in threads]
    return render_collection(f"{group.uri}/featured", pages)


async def thread_context(thread: Thread, audiences: list[Visibility]) -> dict:
    """SPEC: FEP-7888 / FEP-f228: the thread's context collection: the thread and its live replies, in order
    (those the requester may read)."""
    audience = await audience_of(await Circle.get(id=thread.circle_id))
    readable = Post.filter(thread_id=thread.id, audience__in=audiences, **LIVE)
    replies = (
        await without_hidden(readable, await hidden_instance_ids(public=True))
        .order_by("published_at", "id")
        .limit(CONTEXT_ITEMS)
        .values_list("uri", flat=True)
    )
    items = ([] if thread.deleted_at else [thread.uri]) + list(replies)
    return render_collection(f"{thread.uri}/context", items, attributed_to=audience.circle_uri)


async def thread_replies(thread: Thread, audiences: list[Visibility]) -> dict:
    """FEP-1b12: the thread's top-level replies (ids) the requester may read."""
    top_level = Post.filter(thread_id=thread.id, in_reply_to_uri=thread.uri, audience__in=audiences, **LIVE)
    replies = (
        await without_hidden(top_level, await hidden_instance_ids(public=True))
        .order_by("published_at", "id")
        .limit(CONTEXT_ITEMS)
        .values_list("uri", flat=True)
    )
    return render_collection(f"{thread.uri}/replies", list(replies))


def announced_type(payload: dict) -> str | None:
    """The type of what an Announce carries (None when it carries only an id)."""
    announced = payload.get("object")
    return announced.get("type") if isinstance(announced, dict) else None


def _embedded(payload: dict) -> dict:
    return {key: value for key, value in payload.items() if key != "@context"}


async def _live_uris(uris: list[str], hidden: list[int], readable: dict) -> set[str]:
    if not uris:
        return set()
    threads = await without_hidden(Thread.filter(uri__in=uris, **readable), hidden).values_list("uri", flat=True)
    posts = await without_hidden(Post.filter(uri__in=uris, **readable), hidden).values_list("uri", flat=True)
    return set(threads) | set(posts)
