"""Federation: small in-process caches with explicit time (domain policy, keys, recently healthy domains)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from circlefed.clock import Clock

K = TypeVar("K")
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values expire ttl seconds after they were stored; the oldest are evicted past max_size."""

    def __init__(self, clock: Clock, ttl: float, max_size: int = 10_000) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max_size = max_size
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        entry = self._items.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self._clock.monotonic() - stored_at > self._ttl:
            del self._items[key]
            return None
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = (self._clock.monotonic(), value)
        self._items.move_to_end(key)
        while len(self._items) > self._max_size:
            self._items.popitem(last=False)

    def discard(self, key: K) -> None:
        self._items.pop(key, None)

    def clear(self) -> None:
        self._items.clear()


class Throttled:
    """Runs an async action for a key at most once per interval (e.g. resetting a domain's backoff)."""

    def __init__(self, action: Callable[[str], Awaitable[None]], clock: Clock, interval: float) -> None:
        self._action = action
        self._done = TtlCache[str, bool](clock, interval)

    async def __call__(self, key: str) -> None:
        if self._done.get(key):
            return
        await self._action(key)
        self._done.put(key, True)
