"""Delivery: the runner: claims due deliveries and inbox items, works them with bounded concurrency, stops cleanly."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket

from circlefed.clock import Clock
from circlefed.delivery.jobs import InboxHandler, Jobs, Results, RunCounts
from circlefed.delivery.loop import Loop
from circlefed.delivery.metrics import DeliveryMetrics
from circlefed.delivery.queue import INBOX
from circlefed.delivery.sender import Sender
from circlefed.errors import ConfigError
from circlefed.settings import DeliverySettings

log = logging.getLogger(__name__)

KINDS = ("inbox",)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def check_settings(settings: DeliverySettings) -> None:
    if settings.concurrency < 1:
        raise ConfigError("setting 'delivery.concurrency' must be at least 1")
    if settings.max_attempts < 1:
        raise ConfigError("setting 'delivery.max_attempts' must be at least 1")
    if settings.lease <= settings.request_timeout:
        raise ConfigError("setting 'delivery.lease' must be longer than 'delivery.request_timeout'")
    if settings.poll_interval <= 0:
        raise ConfigError("setting 'delivery.poll_interval' must be more than 0")
    if not 0 <= settings.worker_nice <= 19:
        raise ConfigError("setting 'delivery.worker_nice' must be between 0 and 19")


class Runner:
    """Works the delivery queue (built in) and the inbox queue (once an "inbox" handler is registered)."""

    def __init__(
        self,
        settings: DeliverySettings,
        *,
        sender: Sender,
        clock: Clock,
        metrics: DeliveryMetrics | None = None,
        worker_id: str | None = None,
    ) -> None:
        check_settings(settings)
        self.settings = settings
        self.worker_id = worker_id or new_worker_id()
        self._jobs = Jobs(settings, sender=sender, clock=clock, worker_id=self.worker_id, metrics=metrics)
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._warned_no_handler = False

    def register(self, kind: str, handler: InboxHandler) -> None:
        """register("inbox", handler): handler(item) processes one InboxItem; returning None (processed),
        HELD or REJECTED finishes it; raising retries it with backoff (PermanentFailure fails it at once)."""
        if kind not in KINDS:
            raise ValueError(f"unknown job kind {kind!r}; known: {', '.join(KINDS)}")
        self._jobs.inbox_handler = handler

    # --- one pass, for tests and tools ---------------------------------------------------------------

    async def run_once(self) -> RunCounts:
        """Work everything due now (and what becomes due as earlier rows finish); returns what was done."""
        counts = RunCounts()
        counts.released = await self._jobs.release_expired()
        batch = self.settings.concurrency * 4
        while True:
            worked = 0
            if self._has_inbox_handler():
                worked += await self._inbox_batch(batch, counts)
            worked += await self._delivery_batch(batch, counts)
            if not worked:
                break
        await self._jobs.refresh_metrics()
        return counts

    async def _delivery_batch(self, limit: int, counts: RunCounts) -> int:
        jobs = await self._jobs.claim_deliveries(limit)
        if not jobs:
            return 0
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def bounded(job):
            async with gate:
                return await self._jobs.deliver(job)

        results = Results(deliveries=list(await asyncio.gather(*(bounded(job) for job in jobs))))
        await self._jobs.flush(results, counts)
        return len(jobs)

    async def _inbox_batch(self, limit: int, counts: RunCounts) -> int:
        ids = await self._jobs.claim(INBOX, limit)
        if not ids:
            return 0
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def bounded(item_id):
            async with gate:
                return await self._jobs.process_item(item_id)

        finishes = await asyncio.gather(*(bounded(item_id) for item_id in ids))
        await self._jobs.flush(Results(inbox=[f for f in finishes if f is not None]), counts)
        return len(ids)

    # --- the long-running loop -------------------------------------------------------------------------

    async def start(self) -> None:
        """Run run_forever() in a background task (of the current context: its database binding)."""
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self.run_forever(), name=f"circlefed-runner-{self.worker_id}")

    async def stop(self) -> None:
        """Ask the loop to stop and wait: in-flight work finishes (or its leases are released)."""
        self.request_stop()
        if self._task is not None:
            await self._task
            self._task = None

    def request_stop(self) -> None:
        """Signal-safe: the loop stops claiming and winds down."""
        self._stop.set()

    async def run_forever(self) -> None:
        """Claim, work and write back until request_stop(); then finish or release what is in flight."""
        log.info("worker %s started (concurrency %d)", self.worker_id, self.settings.concurrency)
        self._has_inbox_handler()
        await Loop(self._jobs, self.settings, self._stop).run()
        log.info("worker %s stopped", self.worker_id)

    # --- shared helpers -------------------------------------------------------------------------------

    def _has_inbox_handler(self) -> bool:
        if self._jobs.inbox_handler is not None:
            return True
        if not self._warned_no_handler:
            log.warning("no inbox handler registered: inbound activities stay pending")
            self._warned_no_handler = True
        return False
