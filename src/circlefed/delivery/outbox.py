"""Delivery: the transactional outbox: an outgoing activity stored, to be served at its id and sent (its delivery
rows: delivery/fanout.py), the bytes sent, and the domain a URL is delivered to."""

from __future__ import annotations

import functools
import json
import logging
from datetime import datetime

from circlefed.errors import BadRequest
from circlefed.protocol.parse import authority
from circlefed.storage.models import Actor, Circle, OutboxActivity

log = logging.getLogger(__name__)

@functools.lru_cache(maxsize=4096)  # called for every request; inbox URLs repeat across activities
def domain_of(uri: str) -> str:
    """The destination domain of a URL as circlefed keys it (host[:port], lowercase); "" when unreadable."""
    try:
        return authority(uri.strip())
    except BadRequest:
        return ""


async def store_activity(
    *,
    uri: str,
    type: str,
    actor: Actor,
    payload: dict,
    now: datetime,
    circle: Circle | None = None,
    object_uri: str | None = None,
) -> OutboxActivity:
    """Keep an outgoing activity so that it can be dereferenced at its id and delivered (call in a transaction)."""
    return await OutboxActivity.create(
        uri=uri, type=type, actor=actor, circle=circle, object_uri=object_uri, payload=payload, created_at=now
    )


def activity_body(payload: dict) -> bytes:
    """The exact bytes sent for an activity (compact UTF-8 JSON)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
