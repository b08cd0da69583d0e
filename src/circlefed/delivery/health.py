"""Delivery: per-domain health: a failing destination is backed off as a whole until it answers again."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.expressions import F, Q

from circlefed.delivery.backoff import Outcome, backoff_delay
from circlefed.settings import DeliverySettings
from circlefed.storage.models import Instance

log = logging.getLogger(__name__)

# Consecutive failures (down, 5xx, timeouts) before the whole domain waits; one bad inbox is not a bad server.
FAILURES_BEFORE_BACKOFF = 3
# A 500 from a server that took other requests this recently is the payload's failure, not the server's: that
# delivery retries alone (its own backoff) while the rest keep flowing.
RECENT_SUCCESS = timedelta(minutes=10)
# A domain known to be up gets its last_success_at rewritten at most this often by one worker.
ALIVE_REFRESH = timedelta(minutes=1)


@dataclass
class DomainTally:
    """Attempts to one domain in one batch, in completion order, reduced to what the Instance row needs."""

    reset: bool = False  # the server answered at least once: earlier failures no longer count
    failures: int = 0  # host-level failures since the last answer (or in the whole batch when reset is False)
    server_errors: int = 0  # other 5xx in a batch the server took nothing else in: host-level only if not up lately
    retry_after: float | None = None
    last_error: str | None = field(default=None, repr=False)

    def add(self, outcome: Outcome) -> None:
        if outcome.is_host_failure or outcome.is_server_error:
            self.last_error = outcome.error
            if outcome.retry_after is not None:
                self.retry_after = max(self.retry_after or 0.0, outcome.retry_after)
            if outcome.is_host_failure:
                self.failures += 1
            elif not self.reset:
                self.server_errors += 1
        elif outcome.status is not None:
            # Any HTTP answer that is not an overload signal (2xx, 401, 404, 410...) shows the server is up, and
            # that the 500s it gave in this batch were about what was sent.
            self.reset, self.failures, self.server_errors, self.retry_after = True, 0, 0, None


def tally(results: Iterable[tuple[str, Outcome]]) -> dict[str, DomainTally]:
    """Group (domain, outcome) pairs by domain."""
    tallies: dict[str, DomainTally] = {}
    for domain, outcome in results:
        tallies.setdefault(domain, DomainTally()).add(outcome)
    return tallies


class HealthBook:
    """Applies batches of results to Instance rows; remembers domains it recently marked alive so that a
    fan-out to a healthy domain does not rewrite its row after every batch."""

    def __init__(self, settings: DeliverySettings, *, rng: random.Random | None = None) -> None:
        self._settings = settings
        self._rng = rng
        self._alive_written: dict[str, datetime] = {}

    async def record(self, tallies: dict[str, DomainTally], *, now: datetime) -> None:
        alive = [d for d, t in tallies.items() if t.reset and not t.failures and self._stale(d, now)]
        if alive:
            await Instance.filter(domain__in=alive).update(failure_count=0, backoff_until=None, last_success_at=now)
            # A domain first seen answering gets its row: its last success tells a later 500 apart (RECENT_SUCCESS).
            known = set(await Instance.filter(domain__in=alive).values_list("domain", flat=True))
            await Instance.bulk_create(
                [Instance(domain=d, last_success_at=now) for d in alive if d not in known], ignore_conflicts=True
            )
            self._alive_written.update(dict.fromkeys(alive, now))
        for domain, result in tallies.items():
            if result.failures or result.server_errors:
                self._alive_written.pop(domain, None)
                await _mark_failing(domain, result, now=now, settings=self._settings, rng=self._rng)

    def _stale(self, domain: str, now: datetime) -> bool:
        written = self._alive_written.get(domain)
        return written is None or now - written >= ALIVE_REFRESH


async def record(
    tallies: dict[str, DomainTally], *, now: datetime, settings: DeliverySettings, rng: random.Random | None = None
) -> None:
    """Apply one batch of results to the Instance rows (no memory between calls)."""
    await HealthBook(settings, rng=rng).record(tallies, now=now)


async def _mark_failing(
    domain: str, result: DomainTally, *, now: datetime, settings: DeliverySettings, rng: random.Random | None
) -> None:
    instance, _ = await Instance.get_or_create(domain=domain)
    up_lately = instance.last_success_at is not None and now - instance.last_success_at < RECENT_SUCCESS
    counted = result.failures + (0 if up_lately else result.server_errors)
    if not counted:
        log.info("domain %s answered %d deliveries with a server error but is up: they retry alone (last: %s)",
                 domain, result.server_errors, result.last_error)
        return
    if result.reset:
        await Instance.filter(id=instance.id).update(failure_count=counted, last_success_at=now)
    else:
        await Instance.filter(id=instance.id).update(failure_count=F("failure_count") + counted)
    await instance.refresh_from_db(fields=["failure_count"])
    until = backoff_until(instance.failure_count, result.retry_after, now=now, settings=settings, rng=rng)
    if until is not None:
        await Instance.filter(id=instance.id).update(backoff_until=until)
        log.warning(
            "domain %s backed off until %s after %d consecutive failures (last: %s)",
            domain,
            until.isoformat(),
            instance.failure_count,
            result.last_error,
        )


def backoff_until(
    failures: int,
    retry_after: float | None,
    *,
    now: datetime,
    settings: DeliverySettings,
    rng: random.Random | None = None,
) -> datetime | None:
    """When a domain with this many consecutive failures may be tried again (None: not backing off)."""
    delay = 0.0
    if failures >= FAILURES_BEFORE_BACKOFF:
        steps = failures - FAILURES_BEFORE_BACKOFF + 1
        delay = backoff_delay(steps, base=settings.base_backoff, cap=settings.max_backoff, rng=rng)
    if retry_after is not None:
        # A rate limit applies to the whole server: every inbox there waits.
        delay = max(delay, min(retry_after, settings.max_backoff))
    return now + timedelta(seconds=delay) if delay > 0 else None


async def record_inbound_success(domain: str) -> None:
    """A valid signed request came from domain (host[:port]): it is up, so its deliveries may go again."""
    changed = await Instance.filter(
        Q(failure_count__gt=0) | Q(backoff_until__isnull=False), domain=domain.strip().lower()
    ).update(failure_count=0, backoff_until=None)
    if changed:
        log.info("domain %s sent a valid request: its delivery backoff is reset", domain)


async def reset_domain(domain: str) -> None:
    """Forget a domain's failures (operator retry)."""
    await Instance.filter(domain=domain.strip().lower()).update(failure_count=0, backoff_until=None)


async def domains_backing_off(now: datetime) -> list[Instance]:
    return await Instance.filter(backoff_until__gt=now).order_by("domain")
