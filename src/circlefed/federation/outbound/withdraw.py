"""Federation: taking copies back: retention expiry and refederated Deletes, to every instance that got them."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.delivery.outbox import store_activity
from circlefed.delivery.states import CLAIMABLE, check_move
from circlefed.domain.federation_policy import load_policy
from circlefed.domain.retention import expire_posts
from circlefed.domain.site import Site
from circlefed.federation.confidential import audience_plan
from circlefed.federation.lookup import find_post
from circlefed.federation.outbound.exits import Reach, enqueue
from circlefed.federation.serve.documents import audience_of, circle_actor
from circlefed.policy.confidentiality import retention_cutoff
from circlefed.protocol.objects import render_announce, render_delete, render_tombstone
from circlefed.protocol.vocab import PUBLIC
from circlefed.storage.models import Circle, Delivery, OutboxActivity, Post, QueueState, Thread, Visibility

log = logging.getLogger(__name__)

# Deliveries that put (or will put) a copy at the inbox: failed and cancelled ones never arrived.
HOLDING = (QueueState.DELIVERED, QueueState.PENDING, QueueState.SENDING, QueueState.RETRY_WAIT)
# Activity types that carry a copy of a post (a Delete carries none).
COPYING = frozenset({"Create", "Update", "Announce", "Page", "Note"})


@dataclass(frozen=True)
class Withdrawal:
    objects: int  # posts a Delete was sent for
    deliveries: int  # Delete deliveries queued


async def expire_due(site: Site, now: datetime) -> int:
    """SPEC: issue 6 retention: delete every post older than its circle's retention period here, and send a
    Delete to every instance that received it. Returns how many posts expired (call repeatedly: batched)."""
    expired = 0
    for circle in await Circle.filter(is_local=True, retention_days__isnull=False).order_by("id"):
        cutoff = retention_cutoff(circle.retention_days, now)
        assert cutoff is not None
        async with in_transaction():
            rows = await expire_posts(circle, cutoff, now)
            if rows:
                await withdraw(site, circle, rows, now=now)
        if rows:
            log.info("retention: %d posts of circle %s expired", len(rows), circle.slug)
        expired += len(rows)
    return expired


async def withdraw(
    site: Site, circle: Circle, rows: Iterable[Thread | Post], *, now: datetime, only: set[str] | None = None
) -> Withdrawal:
    """A Delete by the circle's Group, announced, for each row, to every inbox that holds a copy of it (only
    those in `only` when given); the domain gate still applies. Call inside the transaction of the change."""
    rows = list(rows)
    holders = await _holders(circle, [row.uri for row in rows])
    group = await circle_actor(circle)
    audience = await audience_of(circle)
    thread_uris = await _thread_uris(rows)
    policy = await load_policy()  # one transaction: the same rules for every Delete of this withdrawal
    objects = queued = 0
    for row in rows:
        inboxes = [inbox for inbox in holders.get(row.uri, ()) if only is None or inbox in only]
        if not inboxes:
            continue
        former = "Page" if isinstance(row, Thread) else "Note"
        tombstone = render_tombstone(row.uri, former, row.deleted_at or now)
        delete_uri = site.uris.new_activity()
        delete = render_delete(delete_uri, group.uri, tombstone, audience, now)
        await store_activity(
            uri=delete_uri, type="Delete", actor=group, payload=delete, now=now, circle=circle, object_uri=row.uri
        )
        announce_uri = site.uris.new_activity()
        announce = await store_activity(
            uri=announce_uri,
            type="Announce",
            actor=group,
            payload=render_announce(announce_uri, audience, delete, now),
            now=now,
            circle=circle,
            object_uri=row.uri,
        )
        thread_uri = row.uri if isinstance(row, Thread) else thread_uris[row.thread_id]
        sent = await enqueue(site, announce, inboxes, thread_uri, now, reach=Reach.RETRACTION, policy=policy)
        objects, queued = objects + 1, queued + len(sent)
    return Withdrawal(objects, queued)


async def _thread_uris(rows: list[Thread | Post]) -> dict[int, str]:
    """thread id -> uri for the replies among rows (their Deletes are ordered after the thread's deliveries)."""
    ids = {row.thread_id for row in rows if isinstance(row, Post)}
    return dict(await Thread.filter(id__in=sorted(ids)).values_list("id", "uri")) if ids else {}


async def _holders(circle: Circle, uris: list[str]) -> dict[str, list[str]]:
    """object uri -> inboxes that received (or are about to receive) a copy of it from here."""
    holders: dict[str, list[str]] = defaultdict(list)
    if not uris:
        return holders
    rows = await Delivery.filter(
        activity__circle_id=circle.id, activity__object_uri__in=uris, state__in=HOLDING
    ).values_list("activity__object_uri", "inbox_uri", "activity__type")
    for object_uri, inbox, kind in rows:
        if kind in COPYING and inbox not in holders[object_uri]:
            holders[object_uri].append(inbox)
    return holders


async def refederate_deletes(site: Site, circle: Circle, *, now: datetime) -> Withdrawal:
    """After a circle became more private: a Delete for every post to every inbox that should no longer hold
    it (local circle: all of them; members circle: those the policy refuses now, and every copy that was sent
    addressed to Public). Nothing changes here: the posts stay for the circle's members."""
    if circle.visibility is Visibility.PUBLIC:
        return Withdrawal(0, 0)
    rows = await Delivery.filter(activity__circle_id=circle.id, state__in=HOLDING).values_list(
        "activity__object_uri", "inbox_uri", "activity__type", "activity_id"
    )
    copies = [(uri, inbox, activity_id) for uri, inbox, kind, activity_id in rows if uri and kind in COPYING]
    inboxes = sorted({inbox for _, inbox, _ in copies})
    plan = await audience_plan(circle, inboxes)
    public_ids = await _public_activity_ids({activity_id for _, _, activity_id in copies})
    stale = {inbox for _, inbox, activity_id in copies if inbox not in plan.inboxes or activity_id in public_ids}
    if not stale:
        return Withdrawal(0, 0)
    posts = [await find_post(uri) for uri in sorted({uri for uri, inbox, _ in copies if inbox in stale})]
    async with in_transaction():
        result = await withdraw(site, circle, [row for row in posts if row is not None], now=now, only=stale)
    log.info("circle %s: Deletes for %d posts to %d inboxes", circle.slug, result.objects, len(stale))
    return result


async def _public_activity_ids(ids: set[int]) -> set[int]:
    if not ids:
        return set()
    rows = await OutboxActivity.filter(id__in=sorted(ids)).values_list("id", "payload")
    return {activity_id for activity_id, payload in rows if PUBLIC in (payload or {}).get("to", [])}


async def cancel_refused(circle: Circle, *, now: datetime) -> int:
    """Cancel the circle's queued deliveries that its audience policy refuses now (after a visibility or trust
    change: the change takes effect at once for what has not gone out yet; nothing in flight is recalled)."""
    for source in CLAIMABLE:
        check_move(source, QueueState.CANCELLED)
    queued = await Delivery.filter(activity__circle_id=circle.id, state__in=list(CLAIMABLE)).values_list(
        "id", "inbox_uri"
    )
    if not queued or not circle.is_local:
        return 0
    inboxes = sorted({inbox for _, inbox in queued})
    plan = await audience_plan(circle, inboxes)
    refused = [delivery_id for delivery_id, inbox in queued if inbox not in plan.inboxes]
    if not refused:
        return 0
    count = await Delivery.filter(id__in=refused, state__in=list(CLAIMABLE)).update(
        state=QueueState.CANCELLED, finished_at=now, last_error="cancelled: the circle's audience no longer includes it"
    )
    log.info("circle %s: cancelled %d queued deliveries the confidentiality policy refuses now", circle.slug, count)
    return count
