"""Storage: tortoise's SQLite engine, with transactions that take the write lock as they begin and row counts
that leave out what triggers changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from tortoise.backends.base.client import NestedTransactionContext, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
    translate_exceptions,
)
from tortoise.exceptions import TransactionManagementError


class _DirectChanges:
    """execute_query counting the rows the statement itself changed. Tortoise counts the connection's total
    changes, which include the page revision's triggers (migration 0020): an update of one row would read as
    two, and code that checks it claimed exactly one row (an invitation, a queue item) would refuse."""

    @translate_exceptions
    async def execute_query(self, query: str, values: list | None = None) -> tuple[int, Sequence[dict]]:
        query = query.replace("\x00", "'||CHAR(0)||'")
        async with self.acquire_connection() as connection:  # type: ignore[attr-defined]
            # One trip to aiosqlite's thread, as execute_fetchall makes (a cursor's calls would make three).
            changed, rows = await connection._execute(_run_counting, connection._conn, query, values or [])
            return changed or len(rows), rows


def _run_counting(connection: sqlite3.Connection, query: str, values: list) -> tuple[int, list]:
    cursor = connection.execute(query, values)
    try:
        rows = cursor.fetchall()
        return max(cursor.rowcount, 0), rows  # sqlite3_changes(): this statement's rows; -1 for a SELECT
    finally:
        cursor.close()


class _Transaction(_DirectChanges, SqliteTransactionWrapper):
    """A transaction (or a savepoint inside one) counting direct changes; its savepoints do too."""

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(_Transaction(self))


class _ImmediateTransaction(_Transaction):
    async def begin(self) -> None:
        # A plain (deferred) BEGIN reads first and asks for the write lock later; if another connection (the
        # worker process, say) committed in between, SQLite refuses at once with "database is locked" and
        # busy_timeout does not help. BEGIN IMMEDIATE waits for the lock up front, within busy_timeout.
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(_DirectChanges, SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(_ImmediateTransaction(self), self._lock)


client_class = ImmediateSqliteClient
