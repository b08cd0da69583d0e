"""Storage: many rows written as tuples, a batch per statement, without model instances (`circlefed dev seed`).

Each value is given as the column stores it: enums by their value, JSON as text (a dict is encoded here), times
as aware datetimes (both drivers adapt them as tortoise does). A column the row leaves out takes the field's
default, or NULL; a required one without either is an error before anything is written. Rows may carry their
own ids (taken from `next_free_id`); `after_explicit_ids` then moves PostgreSQL's sequence past them."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import OperationalError
from tortoise.fields import JSONField
from tortoise.models import Model

from circlefed.storage.db import SQLITE_PRAGMAS
from circlefed.storage.sql import placeholders

BATCH = 2_000
log = logging.getLogger(__name__)
_REQUIRED = object()


async def insert_rows(model: type[Model], rows: Sequence[dict[str, Any]], *, batch: int = BATCH) -> None:
    """INSERT every row (dicts keyed by field name, foreign keys as `<name>_id`) in batches of `batch`."""
    if not rows:
        return
    meta = model._meta
    with_ids = meta.pk_attr in rows[0]
    names = [name for name in meta.fields_db_projection if with_ids or name != meta.pk_attr]
    connection = meta.db
    now = datetime.now(UTC)
    fillers = [_filler(meta.fields_map[name], now) for name in names]
    for name, filler in zip(names, fillers, strict=True):
        if filler is _REQUIRED and any(name not in row for row in rows):
            raise ValueError(f"{meta.db_table}.{name} needs a value")
    values = [[row.get(name, filler) for name, filler in zip(names, fillers, strict=True)] for row in rows]
    for index, (name, filler) in enumerate(zip(names, fillers, strict=True)):
        _convert_column(values, index, meta.fields_map[name], filler)
    for start in range(0, len(values), batch):
        await _write(
            connection, meta.db_table, [meta.fields_db_projection[n] for n in names], values[start : start + batch]
        )


async def _write(connection: BaseDBAsyncClient, table: str, columns: list[str], values: list[list]) -> None:
    """One batch: PostgreSQL's COPY (a single stream, several times faster than INSERTs), SQLite's INSERTs in
    one transaction."""
    if connection.capabilities.dialect == "postgres":
        async with connection.acquire_connection() as raw:
            await raw.copy_records_to_table(table, records=values, columns=columns)
        return
    marks = ", ".join(placeholders(connection.capabilities.dialect, len(columns)))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - names from the model
    await connection.execute_many(sql, values)


def _filler(field, now: datetime) -> Any:
    """What a row leaving the column out stores: the field's default (a callable one is called per row, in
    `_convert_column`), `now` for automatic times, NULL, or _REQUIRED."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.default is not None:
        return field.default
    return None if field.null else _REQUIRED


def _convert_column(values: list[list], index: int, field, filler: Any) -> None:
    is_json = isinstance(field, JSONField)
    for row in values:
        value = row[index]
        if value is filler and callable(filler):
            value = row[index] = filler()
        if isinstance(value, Enum):
            row[index] = value.value
        elif is_json and not isinstance(value, str):
            row[index] = json.dumps(value)


async def next_free_id(model: type[Model]) -> int:
    """The id after the highest stored one, for rows written with their own ids (one writer at a time)."""
    meta = model._meta
    sql = f"SELECT COALESCE(MAX({meta.db_pk_column}), 0) + 1 AS next FROM {meta.db_table}"  # noqa: S608
    _, rows = await meta.db.execute_query(sql)
    return int(rows[0]["next"])


async def after_explicit_ids(model: type[Model]) -> None:
    """PostgreSQL's id sequence set past the highest stored id (SQLite takes MAX(rowid) + 1 by itself)."""
    meta = model._meta
    if meta.db.capabilities.dialect != "postgres":
        return
    table, pk = meta.db_table, meta.db_pk_column
    await meta.db.execute_query(
        f"SELECT setval(pg_get_serial_sequence('{table}', '{pk}'), COALESCE(MAX({pk}), 0) + 1, false)"  # noqa: S608
        f" FROM {table}"
    )


@asynccontextmanager
async def bulk_loading(connection: BaseDBAsyncClient) -> AsyncIterator[None]:
    """On SQLite, write without waiting for the disk and, when no other connection has the file open, with a
    rollback journal (WAL writes each page twice) until the block ends, then the usual settings again: a crash
    of the process loses nothing committed, a power cut during the block can corrupt the file (for development
    data only). PostgreSQL: as always, then the statistics of what was written (the word index's above all:
    without them a search reads every row until autovacuum comes by)."""
    if connection.capabilities.dialect != "sqlite":
        yield
        await connection.execute_script("ANALYZE")
        return
    await connection.execute_script("PRAGMA synchronous=OFF")
    journal_switched = await _rollback_journal(connection)
    try:
        yield
    finally:
        if journal_switched:
            await connection.execute_script(f"PRAGMA journal_mode={SQLITE_PRAGMAS['journal_mode']}")
        await connection.execute_script(f"PRAGMA synchronous={SQLITE_PRAGMAS['synchronous']}")


async def _rollback_journal(connection: BaseDBAsyncClient) -> bool:
    try:
        await connection.execute_script("PRAGMA journal_mode=DELETE")
    except OperationalError as exc:  # leaving WAL needs the file to itself
        log.info("bulk loading keeps the WAL journal (about twice the writes): %s", exc)
        return False
    return True
