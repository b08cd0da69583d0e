"""Test data for the delivery room: stored activities and queued deliveries (sent by tests.factories.local_actor)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.delivery.fanout import enqueue_deliveries
from circlefed.delivery.outbox import store_activity
from circlefed.storage.models import Actor, Delivery, OutboxActivity, QueueState
from tests.factories import SITE, local_actor

LOCAL_DOMAIN = SITE.domain
BASE = f"http://{LOCAL_DOMAIN}"
_ids = itertools.count(1)


async def activity(
    actor: Actor, now: datetime, *, type: str = "Create", object_uri: str | None = None
) -> OutboxActivity:
    n = next(_ids)
    uri = f"{BASE}/a/{n}"
    object_uri = object_uri or f"{BASE}/p/{n}"
    payload = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": uri,
        "type": type,
        "actor": actor.uri,
        "object": {"id": object_uri, "type": "Note", "content": "hello"},
    }
    async with in_transaction():
        return await store_activity(uri=uri, type=type, actor=actor, payload=payload, now=now, object_uri=object_uri)


async def enqueue(
    stored: OutboxActivity, inboxes: Iterable[str], now: datetime, *, ordering_key: str | None = None
) -> list[str]:
    async with in_transaction():
        return await enqueue_deliveries(
            stored, list(inboxes), local_domain=LOCAL_DOMAIN, ordering_key=ordering_key, now=now
        )


async def states() -> dict[int, str]:
    return {d.id: d.state.value for d in await Delivery.all().order_by("id")}


async def queue_rows(clock, *states: QueueState) -> None:
    """One delivery per given state (each to its own inbox)."""
    stored = await activity(await local_actor(f"m{next(_ids)}"), clock.now())
    inboxes = [f"https://r{n}.example/inbox/{stored.id}" for n in range(len(states))]
    await enqueue(stored, inboxes, clock.now())
    for inbox, state in zip(inboxes, states, strict=True):
        await Delivery.filter(inbox_uri=inbox).update(state=state)
