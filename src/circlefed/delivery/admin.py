"""Delivery: operator actions on the queue: list, retry (one row or a whole domain) and purge old rows."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from tortoise.expressions import Q

from circlefed.delivery import health
from circlefed.delivery.states import PURGEABLE, RETRYABLE_BY_OPERATOR, check_move
from circlefed.errors import BadRequest, NotFound
from circlefed.storage.models import Delivery, QueueState

log = logging.getLogger(__name__)

_AGE_RE = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_state(text: str) -> QueueState:
    try:
        return QueueState(text.strip().lower())
    except ValueError:
        known = ", ".join(state.value for state in QueueState)
        raise BadRequest(f"unknown state {text!r}; known: {known}") from None


def parse_age(text: str) -> timedelta:
    """An age like "30d", "12h", "90m" or "45s"."""
    match = _AGE_RE.match(text)
    if match is None:
        raise BadRequest(f'age must look like "30d", "12h", "90m" or "45s", got {text!r}')
    return timedelta(seconds=int(match.group(1)) * _AGE_UNITS[match.group(2)])


async def list_deliveries(
    *, state: QueueState | None = None, domain: str | None = None, limit: int = 100
) -> list[Delivery]:
    """Newest first, with their activity."""
    query = Delivery.all()
    if state is not None:
        query = query.filter(state=state)
    if domain:
        query = query.filter(domain=domain.strip().lower())
    return await query.order_by("-id").limit(limit).prefetch_related("activity")


async def retry_delivery(delivery_id: int, *, now: datetime) -> Delivery:
    """A failed delivery goes back to pending with fresh attempts; a waiting one becomes due now."""
    delivery = await Delivery.get_or_none(id=delivery_id)
    if delivery is None:
        raise NotFound(f"no delivery with id {delivery_id}")
    if delivery.state not in RETRYABLE_BY_OPERATOR:
        allowed = " or ".join(sorted(state.value for state in RETRYABLE_BY_OPERATOR))
        raise BadRequest(f"delivery {delivery_id} is {delivery.state.value}; only {allowed} deliveries can be retried")
    await _requeue(Q(id=delivery_id), now=now)
    await delivery.refresh_from_db()
    return delivery


async def retry_domain(domain: str, *, now: datetime) -> int:
    """Requeue every failed or waiting delivery to a domain and forget its failures; returns how many."""
    domain = domain.strip().lower()
    await health.reset_domain(domain)
    count = await _requeue(Q(domain=domain), now=now)
    log.info("operator retry: %d deliveries to %s requeued", count, domain)
    return count


async def _requeue(where: Q, *, now: datetime) -> int:
    check_move(QueueState.FAILED, QueueState.PENDING)
    failed = await Delivery.filter(where, state=QueueState.FAILED).update(
        state=QueueState.PENDING, attempts=0, next_attempt_at=now, finished_at=None
    )
    waiting = await Delivery.filter(where, state=QueueState.RETRY_WAIT).update(next_attempt_at=now)
    return failed + waiting


async def purge(state: QueueState, *, older_than: timedelta, now: datetime) -> int:
    """Delete finished deliveries in state that finished before now - older_than; returns how many."""
    if state not in PURGEABLE:
        allowed = ", ".join(sorted(s.value for s in PURGEABLE))
        raise BadRequest(f"only finished deliveries can be purged ({allowed}), not {state.value}")
    cutoff = now - older_than
    count = await Delivery.filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff), state=state
    ).delete()
    log.info("operator purge: %d %s deliveries older than %s removed", count, state.value, older_than)
    return count
