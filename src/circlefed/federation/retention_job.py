"""Federation: the worker's periodic jobs: retention and inbox pruning (hourly), ban ends (each minute); run_once()
for tests."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from circlefed.clock import Clock
from circlefed.domain.moderation import expired_bans, unban_member
from circlefed.domain.site import Site
from circlefed.federation.actions import perform
from circlefed.federation.outbound.withdraw import expire_due
from circlefed.storage.models import Actor, Circle, InboxItem, QueueState

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 3600.0
BAN_CHECK_SECONDS = 60.0


class PeriodicJob:
    """A pass of work every `interval` seconds until stopped; a failing pass is logged and tried next time."""

    name = "periodic job"
    interval = INTERVAL_SECONDS

    def __init__(self, site: Site, clock: Clock, *, interval: float | None = None) -> None:
        self._site = site
        self._clock = clock
        self._interval = interval if interval is not None else self.interval
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def run_once(self) -> int:
        """Do everything due now; returns how many things were done."""
        raise NotImplementedError

    def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self._run(), name=f"circlefed-{self.name}")

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
                done = await self.run_once()
            except Exception:  # the job must survive one bad pass and try again next time
                log.exception("%s pass failed; trying again in %.0fs", self.name, self._interval)
                continue
            if done:
                log.info("%s: %d done", self.name, done)


class RetentionJob(PeriodicJob):
    """Posts older than their circle's retention period are deleted here and at every instance holding them."""

    name = "retention"

    async def run_once(self) -> int:
        total = 0
        while expired := await expire_due(self._site, self._clock.now()):
            total += expired
        return total


class BanExpiryJob(PeriodicJob):
    """Bans whose end time has passed are lifted: the membership comes back, and the Undo(Block) tells the
    instances that learnt of the ban."""

    name = "ban ends"
    interval = BAN_CHECK_SECONDS

    async def run_once(self) -> int:
        lifted = 0
        while due := await expired_bans(self._clock.now()):
            for ban in due:
                circle = await Circle.get(id=ban.circle_id)
                person, group = await Actor.get(id=ban.actor_id), await Actor.get(id=circle.actor_id)
                now = self._clock.now()
                await perform(self._site, unban_member(circle, person, group, now=now, ended=True), now=now)
                lifted += 1
        return lifted


class InboxPruneJob(PeriodicJob):
    """Inbox items processed (or failed for good) longer ago than `keep_seconds` are deleted: received activities
    are not kept for ever, and a flood of them leaves the database again."""

    name = "inbox pruning"

    def __init__(self, site: Site, clock: Clock, *, keep_seconds: float, interval: float | None = None) -> None:
        super().__init__(site, clock, interval=interval)
        self._keep = timedelta(seconds=keep_seconds)

    async def run_once(self) -> int:
        if self._keep <= timedelta(0):
            return 0
        finished = [QueueState.DELIVERED, QueueState.REJECTED, QueueState.FAILED]
        return await InboxItem.filter(state__in=finished, finished_at__lt=self._clock.now() - self._keep).delete()


def periodic_jobs(site: Site, clock: Clock, *, inbox_retention: float = 30 * 86400.0) -> list[PeriodicJob]:
    """The jobs a worker runs beside its queues (the in-process one and `circlefed worker` alike)."""
    pruning = InboxPruneJob(site, clock, keep_seconds=inbox_retention)
    return [RetentionJob(site, clock), BanExpiryJob(site, clock), pruning]
