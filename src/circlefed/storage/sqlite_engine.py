"""Storage: tortoise's SQLite engine, with transactions that take the write lock as they begin."""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.exceptions import TransactionManagementError


class _ImmediateTransaction(SqliteTransactionWrapper):
    async def begin(self) -> None:
        # A plain (deferred) BEGIN reads first and asks for the write lock later; if another connection (the
        # worker process, say) committed in between, SQLite refuses at once with "database is locked" and
        # busy_timeout does not help. BEGIN IMMEDIATE waits for the lock up front, within busy_timeout.
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(_ImmediateTransaction(self), self._lock)


client_class = ImmediateSqliteClient
