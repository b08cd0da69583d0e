"""Storage: opening the database (SQLite or PostgreSQL), applying migrations and binding the ORM to a task."""

from __future__ import annotations

import contextlib
import importlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from tortoise.context import TortoiseContext, _current_context
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.executor import MigrationExecutor, MigrationTarget

from circlefed.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

APP_LABEL = "models"
MODELS_MODULE = "circlefed.storage.models"
MIGRATIONS_MODULE = "circlefed.migrations"


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a sqlite:// URL (sqlite://./rel or sqlite:///abs), or None for other databases."""
    scheme, _, rest = database_url.partition("://")
    if scheme != "sqlite":
        return None
    return Path(rest)


async def keep_session(connection) -> None:
    """What a PostgreSQL connection returned to the pool needs beyond asyncpg's own cleanup (an open transaction
    rolled back, listeners dropped): nothing. asyncpg's default also sends `RESET ALL; UNLISTEN *; CLOSE ALL;
    SELECT pg_advisory_unlock_all()`, a second round trip after every query (485 -> 269 us per pooled query
    measured here). circlefed sets no session state, listens to nothing and takes no advisory locks; code that
    starts doing so must clean up after itself or drop this."""


# WAL lets the web process read while a worker process writes; busy_timeout waits for locks.
SQLITE_PRAGMAS = {
    "journal_mode": "WAL",
    # WAL + NORMAL never corrupts; only a power cut can undo the last commits (process crashes cannot).
    "synchronous": "NORMAL",
    "busy_timeout": 5000,
}


def tortoise_config(database_url: str) -> dict:
    """The tortoise configuration for one database URL."""
    path = sqlite_path(database_url)
    if path is not None:
        connection = {
            "engine": "circlefed.storage.sqlite_engine",  # transactions BEGIN IMMEDIATE
            "credentials": {"file_path": str(path), **SQLITE_PRAGMAS},
        }
    else:
        parts = urlsplit(database_url)
        connection = {
            "engine": "tortoise.backends.asyncpg",
            "credentials": {
                "host": parts.hostname or "127.0.0.1",
                "port": parts.port or 5432,
                "user": parts.username or "postgres",
                "password": parts.password or "",
                "database": parts.path.lstrip("/"),
                "minsize": 1,
                "maxsize": 10,
                "reset": keep_session,
            },
        }
    # Named per backend: tortoise caches statements by connection name, and the test suite uses both.
    name = "sqlite" if path is not None else "postgres"
    return {
        "connections": {name: connection},
        "apps": {
            APP_LABEL: {
                "models": [MODELS_MODULE],
                "default_connection": name,
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def describe(database_url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(database_url)
    if parts.password:
        return database_url.replace(f":{parts.password}@", ":***@", 1)
    return database_url


async def open_database(database_url: str) -> TortoiseContext:
    """Connect and check the database answers; DatabaseUnavailable (clear message) if it does not."""
    path = sqlite_path(database_url)
    if path is not None and str(path) != ":memory:":
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot create the folder for {path}: {exc.strerror}") from exc
    ctx = TortoiseContext()
    try:
        with activated(ctx):
            await ctx.init(config=tortoise_config(database_url))
            await ctx.db().execute_query("SELECT 1")
    except (OSError, sqlite3.Error) as exc:
        await ctx.close_connections()
        raise DatabaseUnavailable(f"cannot reach the database at {describe(database_url)}: {exc}") from exc
    except Exception as exc:
        # asyncpg raises its own hierarchy (auth, missing database, ...): report, never a traceback.
        await ctx.close_connections()
        if _is_driver_error(exc):
            raise DatabaseUnavailable(f"cannot use the database at {describe(database_url)}: {exc}") from exc
        raise
    return ctx


def _is_driver_error(exc: Exception) -> bool:
    module = type(exc).__module__
    return module.startswith(("asyncpg", "tortoise.exceptions", "aiosqlite"))


@contextlib.contextmanager
def activated(ctx: TortoiseContext) -> Iterator[TortoiseContext]:
    """Make ctx the ORM's database for the current task (several instances can live in one process)."""
    token = _current_context.set(ctx)
    try:
        yield ctx
    finally:
        _current_context.reset(token)


def _apps_config(ctx: TortoiseContext) -> dict:
    apps = tortoise_config("sqlite://:memory:")["apps"]
    apps[APP_LABEL]["default_connection"] = ctx.db().connection_name
    return apps


async def apply_migrations(ctx: TortoiseContext, *, up_to: str | None = None) -> list[str]:
    """Apply every pending migration (or those up to and including `up_to`); returns the names applied."""
    with activated(ctx):
        executor = MigrationExecutor(ctx.db(), _apps_config(ctx))
        before = set(await _applied_names(executor))
        await executor.migrate(None if up_to is None else [MigrationTarget(APP_LABEL, up_to)])
        after = set(await _applied_names(executor))
    return sorted(after - before)


async def unapplied_migrations(ctx: TortoiseContext) -> list[str]:
    """Names of this version's migrations the database has not applied yet, oldest first."""
    with activated(ctx):
        applied = set(await _applied_names(MigrationExecutor(ctx.db(), _apps_config(ctx))))
    folder = Path(importlib.import_module(MIGRATIONS_MODULE).__file__).parent
    return sorted(path.stem for path in folder.glob("[0-9]*.py") if path.stem not in applied)


async def _applied_names(executor: MigrationExecutor) -> list[str]:
    return [key.name for key in await executor.recorder.applied_migrations()]


async def pending_model_changes(ctx: TortoiseContext) -> list:
    """Migration writers for model changes that no migration covers yet (empty when in sync)."""
    with activated(ctx):
        autodetector = MigrationAutodetector(ctx.apps, _apps_config(ctx))
        return await autodetector.changes()
