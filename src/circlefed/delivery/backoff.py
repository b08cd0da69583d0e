"""Delivery: classifying an attempt's result, exponential backoff with jitter, Retry-After and giving up."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

from circlefed.settings import DeliverySettings
from circlefed.storage.models import QueueState

# Statuses worth trying again: the remote may accept the same request later.
RETRY_STATUSES = frozenset({401, 408, 429})
# Answers that say the server itself is unwell (overloaded, rate limiting, its upstream down), whatever was sent.
HOST_STATUSES = frozenset({408, 429, 502, 503, 504})
MAX_ERROR_CHARS = 500


class Verdict(StrEnum):
    DELIVERED = "delivered"
    GONE = "gone"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: a verdict, the HTTP status if any, a short reason and the asked-for wait."""

    verdict: Verdict
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, from Retry-After

    @property
    def is_host_failure(self) -> bool:
        """The destination server itself looks unwell: no answer (down, timeout) or 408/429/502/503/504."""
        return self.verdict is Verdict.RETRY and (self.status is None or self.status in HOST_STATUSES)

    @property
    def is_server_error(self) -> bool:
        """Another 5xx (a 500 above all): the server may fail on this one payload only (an unknown JSON-LD
        context, a bug of its own) while it takes the others; delivery/health.py decides which it was."""
        if self.verdict is not Verdict.RETRY or self.status is None:
            return False
        return self.status >= 500 and self.status not in HOST_STATUSES


@dataclass(frozen=True)
class Step:
    """Where a row goes after an attempt: its new state and, for a retry, when it is due again."""

    state: QueueState
    next_attempt_at: datetime | None
    error: str | None


def classify_status(status: int, retry_after_header: str | None, now: datetime) -> Outcome:
    """2xx delivered; 410 gone; 401/408/429/5xx retry (honouring Retry-After); any other status failed."""
    if 200 <= status < 300:
        return Outcome(Verdict.DELIVERED, status)
    if status == 410:
        return Outcome(Verdict.GONE, status, "the inbox is gone (410)")
    if status in RETRY_STATUSES or status >= 500:
        wait = parse_retry_after(retry_after_header, now)
        return Outcome(Verdict.RETRY, status, f"HTTP {status}", wait)
    return Outcome(Verdict.FAILED, status, f"HTTP {status}")


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value: delay-seconds or an HTTP-date; None if absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def backoff_delay(attempts: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """base * 2^(attempts-1), capped, with "equal jitter": between half and all of that (never below base/2)."""
    exponent = min(max(attempts, 1) - 1, 62)
    ceiling = min(cap, base * (2.0**exponent))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def next_step(
    outcome: Outcome,
    *,
    attempts: int,
    created_at: datetime,
    now: datetime,
    settings: DeliverySettings,
    rng: random.Random | None = None,
) -> Step:
    """The row's next state after an attempt (attempts counts this one); retries give up past the limits."""
    if outcome.verdict is Verdict.DELIVERED:
        return Step(QueueState.DELIVERED, None, None)
    if outcome.verdict is Verdict.GONE:
        return Step(QueueState.GONE, None, outcome.error)
    if outcome.verdict is Verdict.FAILED:
        return Step(QueueState.FAILED, None, outcome.error)
    if attempts >= settings.max_attempts:
        return Step(QueueState.FAILED, None, f"gave up after {attempts} attempts; last: {outcome.error}")
    if now - created_at >= timedelta(seconds=settings.max_age):
        return Step(QueueState.FAILED, None, f"gave up: older than max_age; last: {outcome.error}")
    delay = backoff_delay(attempts, base=settings.base_backoff, cap=settings.max_backoff, rng=rng)
    if outcome.retry_after is not None:
        # Honour the server's wish, but a hostile Retry-After cannot park a delivery beyond max_backoff.
        delay = max(delay, min(outcome.retry_after, settings.max_backoff))
    return Step(QueueState.RETRY_WAIT, now + timedelta(seconds=delay), outcome.error)


def short_error(text: str) -> str:
    """An error text cut to what a row keeps."""
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
