"""Federation: backfilling a remote circle just joined: its recent threads, read from its outbox."""

from __future__ import annotations

import logging
from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.errors import CirclefedError
from circlefed.federation.inbound.fetch import fetch_document
from circlefed.federation.inbound.ingest import store_post
from circlefed.federation.lookup import find_post
from circlefed.federation.wiring import FederationWiring
from circlefed.protocol.parse import reference_id, same_origin
from circlefed.protocol.posts import parse_post
from circlefed.storage.models import Actor, Circle

log = logging.getLogger(__name__)

# Lemmy imports at most this many threads from a community's outbox on first contact; so do we.
BACKFILL_LIMIT = 10


async def backfill_circle(
    federation: FederationWiring, circle: Circle, *, now: datetime, limit: int = BACKFILL_LIMIT
) -> int:
    """Store up to `limit` recent threads announced in the remote circle's outbox; returns how many were new.

    Best effort: an unreachable outbox or a bad item is logged and skipped, never retried."""
    group = await Actor.get(id=circle.actor_id)
    if not group.outbox_uri:
        return 0
    try:
        items = await _outbox_items(federation, group.outbox_uri)
    except CirclefedError as exc:
        log.info("no backfill of %s: %s", group.uri, exc)
        return 0
    stored = 0
    for item in reversed(items[:limit]):  # oldest first, so threads keep their order
        try:
            stored += await _backfill_item(federation, circle, group, item, now)
        except CirclefedError as exc:
            log.info("backfill of %s skipped an item: %s", group.uri, exc)
    log.info("backfilled %d threads of %s", stored, group.uri)
    return stored


async def _outbox_items(federation: FederationWiring, outbox_uri: str) -> list:
    outbox = await fetch_document(federation, outbox_uri) or {}
    items = outbox.get("orderedItems")
    first = outbox.get("first")
    if items is None and isinstance(first, dict):
        items = first.get("orderedItems")
    elif items is None and isinstance(first, str) and same_origin(first, outbox_uri):
        items = (await fetch_document(federation, first) or {}).get("orderedItems")
    return items if isinstance(items, list) else []


async def _backfill_item(
    federation: FederationWiring, circle: Circle, group: Actor, item: object, now: datetime
) -> int:
    if not isinstance(item, dict) or item.get("type") != "Announce" or reference_id(item.get("actor")) != group.uri:
        return 0
    announced = item.get("object")
    if isinstance(announced, dict) and announced.get("type") in ("Create", "Update"):
        announced = announced.get("object")
    object_uri = reference_id(announced)
    if object_uri is None or await find_post(object_uri) is not None:
        return 0
    if not (isinstance(announced, dict) and same_origin(object_uri, group.uri)):
        # SPEC: PROTOCOL.md attack 14: an object from another origin is taken from that origin.
        announced = await fetch_document(federation, object_uri)
    if announced is None or announced.get("type") not in ("Page", "Article"):
        return 0
    post = parse_post(announced)
    if post.in_reply_to is not None:
        return 0
    author = await federation.remote_actors.by_uri(post.author_uri)
    async with in_transaction():
        return len(await store_post(circle, None, post, author, now=now))
