"""Test data for the delivery room: a local sending actor, stored activities and queued deliveries."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from tortoise.transactions import in_transaction

from circlefed.delivery.fanout import enqueue_deliveries
from circlefed.delivery.outbox import store_activity
from circlefed.protocol.keys import generate_rsa_keypair
from circlefed.storage.models import Actor, Delivery, Instance, OutboxActivity, QueueState

LOCAL_DOMAIN = "127.0.0.1:8080"
BASE = f"http://{LOCAL_DOMAIN}"
_ids = itertools.count(1)


def ed25519_keypair() -> tuple[str, str]:
    """(private PEM, public PEM): Ed25519 signs in microseconds, which keeps big fan-outs fast in tests."""
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


async def local_actor(name: str = "robin", *, rsa: bool = False) -> Actor:
    """A local Person with a key pair (RSA-2048 like real members, or Ed25519 for speed)."""
    private, public = generate_rsa_keypair() if rsa else ed25519_keypair()
    instance, _ = await Instance.get_or_create(domain=LOCAL_DOMAIN, defaults={"is_local": True})
    uri = f"{BASE}/u/{name}"
    return await Actor.create(
        uri=uri,
        type="Person",
        instance=instance,
        is_local=True,
        local_name=name,
        preferred_username=name,
        inbox_uri=f"{uri}/inbox",
        public_key_id=f"{uri}#main-key",
        public_key_pem=public,
        private_key_pem=private,
    )


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
