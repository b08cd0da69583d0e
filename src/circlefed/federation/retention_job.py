"""Federation: the hourly retention job (run_once() for tests and `circlefed circles expire`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from circlefed.clock import Clock
from circlefed.domain.site import Site
from circlefed.federation.withdraw import expire_due

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 3600.0


class RetentionJob:
    def __init__(self, site: Site, clock: Clock, *, interval: float = INTERVAL_SECONDS) -> None:
        self._site = site
        self._clock = clock
        self._interval = interval
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def run_once(self) -> int:
        """Expire everything due now (in batches); returns how many posts expired."""
        total = 0
        while expired := await expire_due(self._site, self._clock.now()):
            total += expired
        return total

    def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self._run(), name="circlefed-retention")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        # The first pass comes one interval after start: a restart loop cannot turn into a deletion loop.
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self._interval)
            if self._stop.is_set():
                return
            try:
                expired = await self.run_once()
            except Exception:  # the job must survive one bad pass and try again next time
                log.exception("retention pass failed; trying again in %.0fs", self._interval)
                continue
            if expired:
                log.info("retention: %d posts expired", expired)
