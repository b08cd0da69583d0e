"""Delivery: queue mechanics shared by deliveries and inbox items: claim with a lease, finish, release."""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F
from tortoise.fields import DatetimeField
from tortoise.models import Model
from tortoise.transactions import in_transaction

from circlefed.delivery.states import CLAIMABLE, UNFINISHED, check_move
from circlefed.storage.models import Delivery, InboxItem, Instance, QueueState
from circlefed.storage.sql import placeholder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueSpec:
    """One table of queued work and the claim rules that apply to it."""

    model: type[Model]
    ordered: bool  # a row waits while the row named by its after_id is unfinished
    health_gated: bool  # rows for a domain that is backing off are not claimed

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def kind(self) -> str:
        return "delivery" if self.model is Delivery else "inbox"


DELIVERIES = QueueSpec(Delivery, ordered=True, health_gated=True)
INBOX = QueueSpec(InboxItem, ordered=False, health_gated=False)


@dataclass(frozen=True)
class Finish:
    """The result of working one claimed row, written back by finish()."""

    id: int
    state: QueueState
    next_attempt_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None


def _in_list(states: Iterable[QueueState]) -> str:
    # Enum values from this module, never user input: safe to inline.
    return ", ".join(f"'{QueueState(state).value}'" for state in sorted(states))


class _Params:
    """Collects query values and hands out the placeholder of each ($n on PostgreSQL, ? on SQLite)."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.values: list = []

    def __call__(self, value) -> str:
        self.values.append(value)
        return placeholder(self.dialect, len(self.values))


def _claim_sql(
    spec: QueueSpec, p: _Params, *, worker_id: str, now: datetime, lease: float, limit: int, returning: str
) -> str:
    """One conditional UPDATE: atomic on SQLite (it takes the write lock first) and, with
    FOR UPDATE SKIP LOCKED, lets several PostgreSQL workers claim disjoint rows."""
    assignments = f"lease_until = {p(now + timedelta(seconds=lease))}, leased_by = {p(worker_id)}"
    conditions = [f"d.state IN ({_in_list(CLAIMABLE)})", f"d.next_attempt_at <= {p(now)}"]
    if spec.ordered:
        # after_id was set when the row was queued: one primary-key lookup, and none for a plain fan-out.
        conditions.append(
            f"(d.after_id IS NULL OR NOT EXISTS (SELECT 1 FROM {spec.table} e"  # noqa: S608
            f" WHERE e.id = d.after_id AND e.state IN ({_in_list(UNFINISHED)})))"
        )
    if spec.health_gated:
        conditions.append(
            f"d.domain NOT IN (SELECT i.domain FROM {Instance._meta.db_table} i"  # noqa: S608
            f" WHERE i.backoff_until IS NOT NULL AND i.backoff_until > {p(now)})"
        )
    lock = " FOR UPDATE SKIP LOCKED" if p.dialect == "postgres" else ""
    return (
        f"UPDATE {spec.table} SET state = '{QueueState.SENDING.value}', {assignments},"  # noqa: S608
        f" attempts = attempts + 1"
        f" WHERE id IN (SELECT d.id FROM {spec.table} d WHERE {' AND '.join(conditions)}"
        f" ORDER BY d.next_attempt_at, d.id LIMIT {p(limit)}{lock})"
        f" AND state IN ({_in_list(CLAIMABLE)}) RETURNING {returning}"
    )


async def claim(spec: QueueSpec, *, worker_id: str, now: datetime, lease: float, limit: int) -> list[int]:
    """Lease up to limit due rows to worker_id (state sending, attempts + 1); returns their ids."""
    rows = await claim_rows(spec, worker_id=worker_id, now=now, lease=lease, limit=limit, columns=("id",))
    return sorted(row["id"] for row in rows)


async def claim_rows(
    spec: QueueSpec, *, worker_id: str, now: datetime, lease: float, limit: int, columns: Sequence[str]
) -> list[dict]:
    """claim(), returning the given columns of each claimed row (as they are after the claim)."""
    if limit <= 0:
        return []
    connection = spec.model._meta.db
    params = _Params(connection.capabilities.dialect)
    sql = _claim_sql(
        spec,
        params,
        worker_id=worker_id,
        now=now.astimezone(UTC),
        lease=lease,
        limit=limit,
        returning=", ".join(spec.model._meta.fields_db_projection[name] for name in columns),
    )
    # execute_query_dict, not execute_query: the asyncpg client drops RETURNING rows of an UPDATE there.
    rows = await connection.execute_query_dict(sql, params.values)
    fields = spec.model._meta.fields_map
    db_names = {name: spec.model._meta.fields_db_projection[name] for name in columns}
    # Timestamps are parsed from text on SQLite, and the rows of one fan-out share theirs: parse each once.
    parsed: dict[tuple[str, object], object] = {}

    def value(name: str, raw: object) -> object:
        if not isinstance(fields[name], DatetimeField):
            return fields[name].to_python_value(raw)
        if (name, raw) not in parsed:
            parsed[(name, raw)] = fields[name].to_python_value(raw)
        return parsed[(name, raw)]

    return [{name: value(name, row[db_names[name]]) for name in columns} for row in rows]


async def release_expired(spec: QueueSpec, *, now: datetime) -> int:
    """Return rows whose lease ran out (their worker died or hung) to pending; returns how many."""
    count = await spec.model.filter(state=QueueState.SENDING, lease_until__lt=now).update(
        state=QueueState.PENDING, lease_until=None, leased_by=None
    )
    if count:
        log.warning("%s queue: %d expired leases returned to pending", spec.kind, count)
    return count


async def release(spec: QueueSpec, ids: Sequence[int], *, worker_id: str) -> int:
    """Give back rows this worker claimed but did not attempt (shutdown): pending again, attempt uncounted."""
    if not ids:
        return 0
    return await spec.model.filter(id__in=list(ids), state=QueueState.SENDING, leased_by=worker_id).update(
        state=QueueState.PENDING, lease_until=None, leased_by=None, attempts=F("attempts") - 1
    )


async def cancel_for_domain(domain: str, *, now: datetime) -> int:
    """Cancel every delivery to a domain that has not gone out yet (e.g. the admin blocked it); returns how many."""
    for source in CLAIMABLE:
        check_move(source, QueueState.CANCELLED)
    count = await Delivery.filter(domain=domain.strip().lower(), state__in=list(CLAIMABLE)).update(
        state=QueueState.CANCELLED, finished_at=now, last_error="cancelled: the domain is blocked"
    )
    if count:
        log.info("cancelled %d deliveries to %s", count, domain)
    return count


async def finish(spec: QueueSpec, results: Sequence[Finish], *, worker_id: str, now: datetime) -> int:
    """Write results of claimed rows in one transaction, only where this worker still holds the lease."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for result in results:
        check_move(QueueState.SENDING, result.state)
        groups[(result.state, result.next_attempt_at, result.last_status, result.last_error)].append(result.id)
    written = 0
    # One UPDATE is atomic by itself (the common case: a batch that all went well); several share a transaction.
    atomic = in_transaction(spec.model._meta.default_connection) if len(groups) > 1 else contextlib.nullcontext()
    async with atomic:
        for (state, next_attempt_at, status, error), ids in groups.items():
            written += await spec.model.filter(id__in=ids, state=QueueState.SENDING, leased_by=worker_id).update(
                **_finish_fields(spec, state, next_attempt_at, status, error, now)
            )
    if written < len(results):
        log.warning("%s queue: %d results dropped: their lease had expired", spec.kind, len(results) - written)
    return written


def _finish_fields(
    spec: QueueSpec,
    state: QueueState,
    next_attempt_at: datetime | None,
    status: int | None,
    error: str | None,
    now: datetime,
) -> dict:
    fields: dict = {"state": state, "lease_until": None, "leased_by": None, "last_error": error}
    if next_attempt_at is not None:
        fields["next_attempt_at"] = next_attempt_at
    if state not in UNFINISHED:
        fields["finished_at"] = now
    if spec.model is Delivery:
        fields["last_status"] = status
    return fields
