"""Federation: the collections peers read: a circle's outbox, followers, moderators, featured; thread contexts."""

from __future__ import annotations

import time

from circlefed.domain.circles import count_members
from circlefed.domain.memberships import facilitators
from circlefed.domain.pseudonyms import attributed_actor, ensure_pseudonyms
from circlefed.domain.site import Site
from circlefed.federation.serve.documents import audience_of, circle_actor, object_document
from circlefed.protocol.objects import render_collection, render_count
from circlefed.storage.models import Circle, OutboxActivity, Post, ReviewState, Thread, Visibility
from circlefed.storage.page_revision import current_page_revision
from circlefed.storage.visibility import hidden_instance_ids, without_hidden

OUTBOX_ITEMS = 20  # newest first, inline (Lemmy reads no pages and imports at most 10 on first contact)
OUTBOX_BATCH = 40  # Announces read at a time (a thread has two: the Create and the object itself)
OUTBOX_SCAN = 500  # at most, so that a circle of mostly deleted posts stays cheap
EXACT_TOTAL_UP_TO = 1000
TOTAL_CACHE_SECONDS = 600
# Outbox totals by (Group id, audiences, hidden domains): (page revision, when counted, total). The same revision
# means nothing a page shows changed (storage/page_revision.py): the total is still exact. After a change a
# small circle is counted again; a big one at most once in TOTAL_CACHE_SECONDS.
_TOTALS: dict[tuple[str, str, str], tuple[int, float, int]] = {}
CONTEXT_ITEMS = 500
# Live posts: not deleted, and not held for (or rejected in) a facilitator's review. Listings also leave out
# posts by authors on blocked or silenced domains (storage/visibility.py).
LIVE = {"deleted_at__isnull": True, "review_state": ReviewState.VISIBLE}


async def outbox(circle: Circle, audiences: list[Visibility]) -> dict:
    """SPEC: fep-1b12 outbox: for each live thread and reply, newest first, the Group's latest Announce of its
    Create or Update (so an edited post shows only its current text, a deleted one nothing). Announces are read
    newest first, a few at a time, until the page is full: a page costs the same in a circle of any size."""
    group = await circle_actor(circle)
    hidden = await hidden_instance_ids(public=True)  # once per collection: every count and listing uses it
    readable = {**LIVE, "audience__in": audiences}  # the read rule: what this requester may read, row by row
    announces = OutboxActivity.filter(circle_id=circle.id, actor_id=group.id, type="Announce")
    items: list[dict] = []
    seen: set[str] = set()
    before, scanned = None, 0
    while len(items) < OUTBOX_ITEMS and scanned < OUTBOX_SCAN:
        batch = announces.filter(id__lt=before) if before is not None else announces
        rows = await batch.order_by("-id").limit(OUTBOX_BATCH)
        if not rows:
            break
        before, scanned = rows[-1].id, scanned + len(rows)
        latest: dict[str, dict] = {}
        for row in rows:
            if row.object_uri and row.object_uri not in seen and announced_type(row.payload) in ("Create", "Update"):
                latest.setdefault(row.object_uri, row.payload)
        seen |= latest.keys()
        live = await _live_uris(list(latest), hidden, readable)
        items += [_embedded(payload) for uri, payload in latest.items() if uri in live]
    total = await _outbox_total(group.uri, circle, readable, hidden)
    return render_collection(group.outbox_uri or f"{group.uri}/outbox", items[:OUTBOX_ITEMS], total=total)


async def _outbox_total(group_uri: str, circle: Circle, readable: dict, hidden: list[int]) -> int:
    """Live threads and replies the requester may read: exact while nothing changed since the last count, and up
    to EXACT_TOTAL_UP_TO after a change; above that a count at most TOTAL_CACHE_SECONDS old (totalItems of a big
    circle need not be exact to the post; counting a million rows on every GET would make the outbox cost grow
    with the circle, and reading even a thousand ids per GET costs more than the page itself)."""
    key = (group_uri, repr(sorted(readable["audience__in"])), repr(hidden))
    revision, now = await current_page_revision(), time.monotonic()
    cached = _TOTALS.get(key)
    if cached is not None:
        counted_at_revision, counted_at, total = cached
        if counted_at_revision == revision or (total > EXACT_TOTAL_UP_TO and now - counted_at < TOTAL_CACHE_SECONDS):
            return total
    total = await _count_live(circle, readable, hidden)
    if len(_TOTALS) > 10_000:  # stale keys (hidden domains changed) are dropped now and then
        _TOTALS.clear()
    _TOTALS[key] = (revision, now, total)
    return total


async def _count_live(circle: Circle, readable: dict, hidden: list[int]) -> int:
    threads = without_hidden(Thread.filter(circle_id=circle.id, **readable), hidden)
    posts = without_hidden(Post.filter(thread__circle_id=circle.id, **readable), hidden)
    first = await threads.limit(EXACT_TOTAL_UP_TO + 1).values_list("id", flat=True)
    first_posts = await posts.limit(EXACT_TOTAL_UP_TO + 1).values_list("id", flat=True)
    if len(first) + len(first_posts) <= EXACT_TOTAL_UP_TO:
        return len(first) + len(first_posts)
    return await threads.count() + await posts.count()


async def followers(circle: Circle) -> dict:
    """SPEC: PROTOCOL.md attack 17: how many members, never who."""
    group = await circle_actor(circle)
    return render_count(group.followers_uri or f"{group.uri}/followers", await count_members(circle))


async def moderators(site: Site, circle: Circle) -> dict:
    """SPEC: fep-1b12 moderation: the facilitators, as the collection the Group's attributedTo names; in a
    members circle each as other instances see them (their per-circle pseudonym: domain/pseudonyms.py)."""
    group = await circle_actor(circle)
    people = await facilitators(circle)
    await ensure_pseudonyms(site, circle, people)  # made before the collection is rendered, which only reads
    shown = [await attributed_actor(site, circle, actor) for actor in people]
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
