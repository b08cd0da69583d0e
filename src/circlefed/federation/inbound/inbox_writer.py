"""Federation: group commit for the inbox: activities accepted together are stored by one statement."""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime

from circlefed.errors import SignatureError
from circlefed.storage.models import InboxItem, QueueState
from circlefed.storage.sql import placeholders

log = logging.getLogger(__name__)


@dataclass
class PendingItem:
    replay_key: str
    activity_id: str
    actor_uri: str
    domain: str
    payload_json: str  # the document as received (decoded), stored as is
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
            except Exception as exc:  # noqa: BLE001 - every waiting request must learn of its own outcome
                # One bad row must not fail the deliveries that merely shared its statement: one at a time.
                log.warning("storing %d inbox items together failed (%s); storing them one by one", len(batch), exc)
                outcomes = [await self._write_alone(item) for item in batch]
            for item, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    item.result.set_exception(outcome)
                else:
                    item.result.set_result(outcome)

    async def _write_alone(self, item: PendingItem) -> bool | Exception:
        try:
            return (await self._write([item]))[0]
        except Exception as exc:  # noqa: BLE001 - handed to the one request it belongs to
            log.error("storing inbox item %s failed: %s", item.activity_id, exc)
            return exc

    async def _write(self, batch: list[PendingItem]) -> list[bool | Exception]:
        """One statement for the whole batch (insert, skipping conflicts, returning what went in); only the rows
        that conflicted are looked up, to tell a redelivery from a replay. The inbox rows are the replay cache."""
        outcomes: dict[int, bool | Exception] = {}
        candidates: list[PendingItem] = []
        batch_activities: set[str] = set()
        batch_replays: set[str] = set()
        for index, item in enumerate(batch):
            if item.replay_key in batch_replays:
                outcomes[index] = _replay()
            elif item.activity_id in batch_activities:
                outcomes[index] = True
            else:
                candidates.append(item)
            batch_activities.add(item.activity_id)
            batch_replays.add(item.replay_key)
        connection = InboxItem._meta.db
        inserted = await _insert_new(connection, candidates)
        conflicted = [item for item in candidates if item.activity_id not in inserted]
        known_activities, known_replays = await _known(connection, conflicted) if conflicted else (set(), set())
        for index, item in enumerate(batch):
            if index in outcomes:
                continue
            if item.activity_id in inserted:
                outcomes[index] = False
            elif item.replay_key in known_replays:
                outcomes[index] = _replay()
            else:
                # A redelivery signed afresh is a no-op: its activity id is already stored.
                if item.activity_id not in known_activities:
                    log.info("inbox item %s conflicted with a row that is gone since", item.activity_id)
                outcomes[index] = True
        return [outcomes[index] for index in range(len(batch))]


def _replay() -> SignatureError:
    # SPEC: PROTOCOL.md attack 13: a captured request sent again is refused
    return SignatureError("this signed request was already received (replay)")


_COLUMNS = "(activity_uri, replay_key, actor_uri, domain, payload, state, attempts, next_attempt_at, received_at)"
_ROW_WIDTH = 9
CHUNK = 300  # rows per statement: well under every backend's parameter limit


async def _insert_new(connection, items: list[PendingItem]) -> set[str]:
    """Insert the items in one statement per chunk, skipping conflicts; the activity ids that went in.

    Plain SQL on the hot path of every inbox, where building ORM objects cost more than the write itself; a
    single statement is atomic on its own, so no transaction (and no extra round trips) is needed."""
    inserted: set[str] = set()
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        sql = _insert_statement(connection.capabilities.dialect, len(chunk))
        # execute_query_dict: the asyncpg client's execute_query drops the RETURNING rows of an INSERT.
        returned = await connection.execute_query_dict(sql, [value for item in chunk for value in _values(item)])
        inserted.update(row["activity_uri"] for row in returned)
    return inserted


@functools.lru_cache(maxsize=64)
def _insert_statement(dialect: str, row_count: int) -> str:
    """The batch INSERT for row_count rows (batches come in few sizes, so the text is built once per size)."""
    marks = placeholders(dialect, row_count * _ROW_WIDTH)
    rows = ", ".join(f"({', '.join(marks[n : n + _ROW_WIDTH])})" for n in range(0, len(marks), _ROW_WIDTH))
    # Only placeholders are interpolated; every value is a bound parameter.
    return f"INSERT INTO inbox_items {_COLUMNS} VALUES {rows} ON CONFLICT DO NOTHING RETURNING activity_uri"  # noqa: S608


async def _known(connection, items: list[PendingItem]) -> tuple[set[str], set[str]]:
    """(activity ids, replay keys) of stored rows matching the items by either."""
    activities: set[str] = set()
    replays: set[str] = set()
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        marks = placeholders(connection.capabilities.dialect, 2 * len(chunk))
        sql = (  # only placeholders are interpolated
            "SELECT activity_uri, replay_key FROM inbox_items "  # noqa: S608
            f"WHERE activity_uri IN ({', '.join(marks[: len(chunk)])}) "
            f"OR replay_key IN ({', '.join(marks[len(chunk) :])})"
        )
        values = [item.activity_id for item in chunk] + [item.replay_key for item in chunk]
        rows = await connection.execute_query_dict(sql, values)
        activities.update(row["activity_uri"] for row in rows)
        replays.update(row["replay_key"] for row in rows if row["replay_key"])
    return activities, replays


def _values(item: PendingItem) -> list:
    return [
        item.activity_id,
        item.replay_key,
        item.actor_uri,
        item.domain,
        item.payload_json,
        QueueState.PENDING.value,
        0,
        item.received_at,
        item.received_at,
    ]
