"""Federation: group commit for the inbox: activities accepted together are stored in one transaction."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from circlefed.errors import SignatureError
from circlefed.storage.models import InboxItem, QueueState

log = logging.getLogger(__name__)


@dataclass
class PendingItem:
    replay_key: str
    activity_id: str
    actor_uri: str
    domain: str
    payload: dict
    received_at: datetime
    result: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class InboxWriter:
    """Each caller waits until its own row is committed (store first, then 202); callers that arrive while
    a transaction is running share the next one, so one commit serves many deliveries."""

    def __init__(self) -> None:
        self._pending: list[PendingItem] = []
        self._flusher: asyncio.Task | None = None

    async def store(self, item: PendingItem) -> bool:
        """Store the item once; True if its activity id was already stored. SignatureError on a replay."""
        self._pending.append(item)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all())
        return await item.result

    async def _flush_all(self) -> None:
        # Let the requests already being parsed reach the queue first: one commit then serves all of them.
        await asyncio.sleep(0)
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                outcomes = await self._write(batch)
            except Exception as exc:  # noqa: BLE001 - every waiting request must learn of the failure
                log.error("storing %d inbox items failed: %s", len(batch), exc)
                for item in batch:
                    item.result.set_exception(exc)
                continue
            for item, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    item.result.set_exception(outcome)
                else:
                    item.result.set_result(outcome)

    async def _write(self, batch: list[PendingItem]) -> list[bool | Exception]:
        """One lookup and one insert for the whole batch; the inbox rows double as the replay cache."""
        async with in_transaction() as connection:
            known = await InboxItem.filter(
                Q(activity_uri__in=[i.activity_id for i in batch]) | Q(replay_key__in=[i.replay_key for i in batch])
            ).values_list("activity_uri", "replay_key")
            stored = {activity_uri for activity_uri, _ in known}
            seen = {replay_key for _, replay_key in known if replay_key}
            outcomes: list[bool | Exception] = []
            new_items: list[PendingItem] = []
            for item in batch:
                if item.replay_key in seen:
                    # SPEC: PROTOCOL.md attack 13: a captured request sent again is refused
                    outcomes.append(SignatureError("this signed request was already received (replay)"))
                    continue
                seen.add(item.replay_key)
                outcomes.append(item.activity_id in stored)
                if item.activity_id not in stored:
                    # A redelivery signed afresh is a no-op; an identical request is caught by its replay key.
                    stored.add(item.activity_id)
                    new_items.append(item)
            if new_items:
                await _insert(connection, new_items)
        return outcomes


_PG_INSERT = (
    "INSERT INTO inbox_items "
    "(activity_uri, replay_key, actor_uri, domain, payload, state, attempts, next_attempt_at, received_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING"
)
_SQLITE_INSERT = (
    "INSERT OR IGNORE INTO inbox_items "
    "(activity_uri, replay_key, actor_uri, domain, payload, state, attempts, next_attempt_at, received_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


async def _insert(connection, items: list[PendingItem]) -> None:
    """A plain multi-row insert: the hot path of every inbox, where building ORM objects cost more than the
    database write. Conflicts (a concurrent writer in another process) are skipped like bulk_create would."""
    sql = _PG_INSERT if connection.capabilities.dialect == "postgres" else _SQLITE_INSERT
    await connection.execute_many(sql, [_values(item) for item in items])


def _values(item: PendingItem) -> list:
    payload = json.dumps(item.payload, separators=(",", ":"))
    return [
        item.activity_id,
        item.replay_key,
        item.actor_uri,
        item.domain,
        payload,
        QueueState.PENDING.value,
        0,
        item.received_at,
        item.received_at,
    ]
