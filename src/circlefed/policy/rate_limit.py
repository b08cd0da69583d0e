"""Policy: token buckets per key (an account, a remote domain), in process memory: each process counts its own."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from circlefed.policy.verdicts import ALLOW, Allow, Reject

MAX_KEYS = 10_000  # past this many buckets, the full ones (idle keys) are forgotten


class MonotonicClock(Protocol):
    def monotonic(self) -> float: ...


@dataclass(frozen=True)
class Rate:
    """`per_minute` tokens come back each minute, at most `burst` are saved up; 0 turns the limit off."""

    per_minute: float
    burst: int

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0 and self.burst > 0


@dataclass(frozen=True)
class Throttled(Reject):
    """Over the limit: answer 429 and say when to try again."""

    retry_after: int = 1


class RateLimiter:
    """One token bucket per key; `take` spends a token or says how long until the next one."""

    def __init__(self, rate: Rate, clock: MonotonicClock, *, what: str) -> None:
        self.rate = rate
        self._clock = clock
        self._what = what
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when they were counted)

    def check(self, key: str, cost: float = 1.0) -> Allow | Throttled:
        """What `take` would answer now, spending nothing (to check several budgets before spending any)."""
        if not self.rate.enabled:
            return ALLOW
        tokens = self._tokens(key, self._clock.monotonic())
        if tokens >= cost:
            return ALLOW
        wait = math.ceil((min(cost, self.rate.burst) - tokens) / (self.rate.per_minute / 60.0))
        reason = f"too many {self._what}: at most {self.rate.per_minute:g} a minute; try again in {wait} s"
        return Throttled(reason, status=429, retry_after=wait)

    def take(self, key: str, cost: float = 1.0) -> Allow | Throttled:
        """Spend `cost` tokens (1: one request; a byte budget spends the request's size), if there are enough."""
        verdict = self.check(key, cost)
        if verdict is ALLOW and self.rate.enabled:
            now = self._clock.monotonic()
            self._buckets[key] = (self._tokens(key, now) - cost, now)
            self._forget_idle(now)
        return verdict

    def _tokens(self, key: str, now: float) -> float:
        tokens, last = self._buckets.get(key, (float(self.rate.burst), now))
        return min(float(self.rate.burst), tokens + max(0.0, now - last) * self.rate.per_minute / 60.0)

    def _forget_idle(self, now: float) -> None:
        if len(self._buckets) <= MAX_KEYS:
            return
        refill = self.rate.burst / (self.rate.per_minute / 60.0)
        self._buckets = {key: value for key, value in self._buckets.items() if now - value[1] < refill}
