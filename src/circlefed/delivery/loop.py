"""Delivery: the worker's long-running loop: claim ahead, keep `concurrency` rows in flight, write back in batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass, field

from circlefed.delivery.jobs import Jobs, Results
from circlefed.delivery.queue import DELIVERIES, INBOX, QueueSpec
from circlefed.settings import DeliverySettings

log = logging.getLogger(__name__)

# Fewer, larger database round trips: once fewer than CLAIM_BELOW x concurrency rows are claimed or in
# flight, claim up to CLAIM_UP_TO x concurrency (so each claim takes about 4 x concurrency rows), and write
# results back per FLUSH_SIZE x concurrency or every FLUSH_EVERY seconds, whichever comes first.
CLAIM_BELOW = 2
CLAIM_UP_TO = 6
FLUSH_SIZE = 4
FLUSH_EVERY = 0.25
METRICS_EVERY = 15.0


@dataclass
class _Row:
    spec: QueueSpec
    id: int
    claimed_at: float
    job: object = None  # a DeliveryJob for deliveries


@dataclass
class _State:
    ready: deque[_Row] = field(default_factory=deque)  # claimed (leased), not started yet
    inflight: dict[asyncio.Future, _Row] = field(default_factory=dict)
    finished: deque[asyncio.Future] = field(default_factory=deque)  # done, not yet looked at
    results: Results = field(default_factory=Results)
    first_result_at: float = 0.0
    next_claim: float = 0.0
    next_inbox_claim: float = 0.0
    next_release: float = 0.0
    next_metrics: float = 0.0


class Loop:
    """One worker's loop. Rows are claimed in batches while earlier ones are still being sent, so the
    connections never wait on the database; results are written back in batches. Finished work wakes the
    loop through a done-callback, so a step costs the same with 1 or 100 rows in flight."""

    def __init__(self, jobs: Jobs, settings: DeliverySettings, stop: asyncio.Event) -> None:
        self._jobs = jobs
        self._settings = settings
        self._stop = stop
        self._state = _State()
        self._time = asyncio.get_running_loop().time
        self._wake = asyncio.Event()

    async def run(self) -> None:
        stop_waiter = asyncio.ensure_future(self._stop.wait())
        stop_waiter.add_done_callback(lambda _: self._wake.set())
        try:
            while not self._stop.is_set():
                try:
                    await self._step()
                except Exception:  # a database hiccup must not end the worker: retried after a pause
                    log.exception("worker loop error, retrying in %gs", self._settings.poll_interval)
                    await self._pause(self._settings.poll_interval)
            await self._wind_down()
        finally:
            stop_waiter.cancel()

    async def _step(self) -> None:
        state, now, concurrency = self._state, self._time(), self._settings.concurrency
        if now >= state.next_release:
            await self._jobs.release_expired()
            state.next_release = now + min(self._settings.lease / 2, 30.0)
        queued = len(state.ready) + len(state.inflight)
        if queued < CLAIM_BELOW * concurrency and now >= state.next_claim:
            wanted = CLAIM_UP_TO * concurrency - queued
            claimed = await self._claim(wanted)
            state.next_claim = 0.0 if claimed == wanted else self._time() + self._settings.poll_interval
        await self._start_ready()
        await self._collect(self._wait_time())
        if state.results and (
            len(state.results) >= FLUSH_SIZE * concurrency
            or not state.inflight
            or self._time() - state.first_result_at >= FLUSH_EVERY
        ):
            results, state.results = state.results, Results()
            await self._jobs.flush(results)
        if self._time() >= state.next_metrics:
            await self._jobs.refresh_metrics()
            state.next_metrics = self._time() + METRICS_EVERY

    async def _claim(self, wanted: int) -> int:
        state, claimed = self._state, 0
        if self._jobs.inbox_handler is not None and self._time() >= state.next_inbox_claim:
            item_ids = await self._jobs.claim(INBOX, max(1, wanted // 2))
            # None due: look again after poll_interval, not at every claim of a busy fan-out.
            state.next_inbox_claim = 0.0 if item_ids else self._time() + self._settings.poll_interval
            state.ready.extend(_Row(INBOX, item_id, self._time()) for item_id in item_ids)
            claimed = len(item_ids)
        jobs = await self._jobs.claim_deliveries(wanted - claimed)
        state.ready.extend(_Row(DELIVERIES, job.id, self._time(), job) for job in jobs)
        return claimed + len(jobs)

    async def _start_ready(self) -> None:
        state, stale = self._state, []
        while state.ready and len(state.inflight) < self._settings.concurrency:
            row = state.ready.popleft()
            if self._time() - row.claimed_at > self._settings.lease / 2:
                stale.append(row)  # its lease may run out mid-request: another worker could take it too
                continue
            work = self._jobs.deliver(row.job) if row.spec is DELIVERIES else self._jobs.process_item(row.id)
            task = asyncio.ensure_future(work)
            task.add_done_callback(self._finished)
            state.inflight[task] = row
        for spec in (DELIVERIES, INBOX):
            await self._jobs.release(spec, [row.id for row in stale if row.spec is spec])

    def _finished(self, task: asyncio.Future) -> None:
        self._state.finished.append(task)
        self._wake.set()

    def _wait_time(self) -> float:
        state = self._state
        if state.results:
            return max(0.0, state.first_result_at + FLUSH_EVERY - self._time())
        if state.inflight:
            return self._settings.poll_interval
        return max(0.0, state.next_claim - self._time())

    async def _collect(self, timeout: float) -> None:
        """Wait until some work finishes, the timeout passes or a stop is requested; keep what finished."""
        state = self._state
        if not state.finished and not self._stop.is_set() and timeout > 0:
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
        while state.finished:
            self._keep(state.finished.popleft())

    def _keep(self, task: asyncio.Future) -> None:
        state = self._state
        row = state.inflight.pop(task, None)
        if row is None or task.cancelled():
            return
        if task.exception() is not None:
            # The row keeps its lease and returns to pending when the lease expires.
            log.error("%s %d: %s", row.spec.kind, row.id, task.exception(), exc_info=task.exception())
            return
        if not state.results:
            state.first_result_at = self._time()
        if row.spec is DELIVERIES:
            state.results.deliveries.append(task.result())
        elif task.result() is not None:
            state.results.inbox.append(task.result())

    async def _wind_down(self) -> None:
        """Stop: in-flight work gets request_timeout to finish; the rest, and rows not started, are released."""
        state = self._state
        unstarted = list(state.ready)
        state.ready.clear()
        if state.inflight:
            done, pending = await asyncio.wait(set(state.inflight), timeout=self._settings.request_timeout)
            for task in done:
                self._keep(task)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            unstarted += list(state.inflight.values())
            state.inflight.clear()
        state.finished.clear()
        for spec in (DELIVERIES, INBOX):
            await self._jobs.release(spec, [row.id for row in unstarted if row.spec is spec])
        if state.results:
            await self._jobs.flush(state.results)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._stop.wait()), timeout=seconds)
