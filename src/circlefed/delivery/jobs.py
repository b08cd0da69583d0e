"""Delivery: working claimed rows: send deliveries, call the inbox handler, write results and health back."""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from circlefed.clock import Clock
from circlefed.delivery import health, queue
from circlefed.delivery.backoff import Outcome, Verdict, next_step, short_error
from circlefed.delivery.metrics import DeliveryMetrics
from circlefed.delivery.queue import DELIVERIES, INBOX, Finish, QueueSpec
from circlefed.delivery.sender import JOB_COLUMNS, ActivityCache, DeliveryJob, Sender, jobs_for
from circlefed.errors import CirclefedError
from circlefed.settings import DeliverySettings
from circlefed.storage.models import InboxItem, QueueState

log = logging.getLogger(__name__)

InboxHandler = Callable[[InboxItem], Awaitable[QueueState | None]]
# What an inbox handler may decide for an item (None means DELIVERED: processed).
HANDLER_VERDICTS = frozenset({QueueState.DELIVERED, QueueState.HELD, QueueState.REJECTED, QueueState.FAILED})


class PermanentFailure(CirclefedError):
    """Raised by a handler when retrying cannot help: the item fails at once with this message."""


@dataclass
class RunCounts:
    """What one run_once() did: rows finished per queue by resulting state, and leases returned."""

    deliveries: Counter = field(default_factory=Counter)
    inbox: Counter = field(default_factory=Counter)
    released: int = 0

    @property
    def delivered(self) -> int:
        return self.deliveries[QueueState.DELIVERED.value]

    @property
    def retried(self) -> int:
        return self.deliveries[QueueState.RETRY_WAIT.value]

    @property
    def failed(self) -> int:
        return self.deliveries[QueueState.FAILED.value]

    @property
    def gone(self) -> int:
        return self.deliveries[QueueState.GONE.value]


@dataclass
class Results:
    """Finished work waiting to be written back in one transaction."""

    deliveries: list[tuple[DeliveryJob, Outcome]] = field(default_factory=list)
    inbox: list[Finish] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.deliveries) + len(self.inbox)


class Jobs:
    """The per-row work of the runner, shared by run_once() and run_forever()."""

    def __init__(
        self,
        settings: DeliverySettings,
        *,
        sender: Sender,
        clock: Clock,
        worker_id: str,
        metrics: DeliveryMetrics | None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.sender = sender
        self.clock = clock
        self.worker_id = worker_id
        self.metrics = metrics
        self.rng = rng
        self.inbox_handler: InboxHandler | None = None
        self.health = health.HealthBook(settings, rng=rng)
        self.activities = ActivityCache()

    async def claim(self, spec: QueueSpec, limit: int) -> list[int]:
        return await queue.claim(
            spec, worker_id=self.worker_id, now=self.clock.now(), lease=self.settings.lease, limit=limit
        )

    async def claim_deliveries(self, limit: int) -> list[DeliveryJob]:
        rows = await queue.claim_rows(
            DELIVERIES,
            worker_id=self.worker_id,
            now=self.clock.now(),
            lease=self.settings.lease,
            limit=limit,
            columns=JOB_COLUMNS,
        )
        if not rows:
            return []
        jobs = await jobs_for(rows, self.activities)
        await self.sender.prepare(jobs)
        return jobs

    async def deliver(self, job: DeliveryJob) -> tuple[DeliveryJob, Outcome]:
        try:
            return job, await self.sender.send(job)
        except Exception as exc:  # a bug in one attempt must not stop the worker
            log.exception("delivery %d: unexpected error", job.id)
            return job, Outcome(Verdict.RETRY, None, short_error(f"internal error: {type(exc).__name__}"))

    async def process_item(self, item_id: int) -> Finish | None:
        item = await InboxItem.get_or_none(id=item_id)
        if item is None or self.inbox_handler is None:
            return None
        try:
            verdict = await self.inbox_handler(item)
        except PermanentFailure as exc:
            log.warning("inbox item %d failed for good: %s", item.id, exc)
            return Finish(item.id, QueueState.FAILED, last_error=short_error(str(exc)))
        except Exception as exc:  # any handler error means "try again later", recorded on the row
            log.exception("inbox item %d: handler error (will retry)", item.id)
            outcome = Outcome(Verdict.RETRY, None, short_error(f"{type(exc).__name__}: {exc}"))
            step = next_step(
                outcome,
                attempts=item.attempts,
                created_at=item.received_at,
                now=self.clock.now(),
                settings=self.settings,
                rng=self.rng,
            )
            return Finish(item.id, step.state, step.next_attempt_at, last_error=step.error)
        state = QueueState(verdict) if verdict is not None else QueueState.DELIVERED
        if state not in HANDLER_VERDICTS:
            raise ValueError(f"inbox handler returned {state.value}; allowed: {sorted(HANDLER_VERDICTS)}")
        return Finish(item.id, state)

    async def flush(self, results: Results, counts: RunCounts | None = None) -> None:
        """Write one batch of results: row states, domain health and metrics."""
        now = self.clock.now()
        finishes = []
        for job, outcome in results.deliveries:
            step = next_step(
                outcome, attempts=job.attempts, created_at=job.created_at, now=now, settings=self.settings, rng=self.rng
            )
            finishes.append(Finish(job.id, step.state, step.next_attempt_at, outcome.status, step.error))
            self._note_delivery(job, step.state, step.error, now)
            if counts is not None:
                counts.deliveries[step.state.value] += 1
        if finishes:
            await queue.finish(DELIVERIES, finishes, worker_id=self.worker_id, now=now)
            tallies = health.tally((job.domain, outcome) for job, outcome in results.deliveries)
            await self.health.record(tallies, now=now)
        if results.inbox:
            await queue.finish(INBOX, results.inbox, worker_id=self.worker_id, now=now)
        for finish in results.inbox:
            if self.metrics is not None:
                self.metrics.attempt("inbox", finish.state.value)
            if counts is not None:
                counts.inbox[finish.state.value] += 1

    def _note_delivery(self, job: DeliveryJob, state: QueueState, error: str | None, now) -> None:
        if state is QueueState.FAILED:
            log.warning("delivery %d of %s to %s failed: %s", job.id, job.activity_uri, job.inbox_uri, error)
        elif state is QueueState.GONE:
            log.info("delivery %d to %s: the inbox is gone", job.id, job.inbox_uri)
        if self.metrics is None:
            return
        self.metrics.attempt("delivery", state.value)
        if state is QueueState.DELIVERED:
            self.metrics.delivered((now - job.created_at).total_seconds())

    async def release(self, spec: QueueSpec, ids: Sequence[int]) -> int:
        """Give back claimed rows that were not worked (shutdown)."""
        if not ids:
            return 0
        released = await queue.release(spec, ids, worker_id=self.worker_id)
        if released:
            log.info("worker %s released %d unfinished %s leases", self.worker_id, released, spec.kind)
        return released

    async def release_expired(self) -> int:
        now = self.clock.now()
        return sum([await queue.release_expired(spec, now=now) for spec in (DELIVERIES, INBOX)])

    async def refresh_metrics(self) -> None:
        if self.metrics is not None:
            await self.metrics.refresh(self.clock.now())
