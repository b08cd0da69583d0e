"""CLI: `circlefed backup PATH` and `circlefed restore PATH --replace`: a consistent copy of the whole database
while the instance runs (SQLite's online backup, or `pg_dump` in its custom format), and putting one back.

A restore replaces everything the database holds: it asks for --replace, checks that the file is a circlefed
backup of the same kind of store, and is meant for a stopped instance (stop the web and worker processes first).
`circlefed migrate` afterwards brings a backup made by an older version up to date.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

from circlefed.cli.common import EXIT_ERROR, fail, settings_from_args
from circlefed.storage.db import describe, sqlite_path

PG_DUMP_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


def register(subparsers) -> None:
    backup = subparsers.add_parser("backup", help="write a consistent copy of the database to a new file")
    backup.add_argument("path", help="the file to write (it must not exist yet)")
    backup.set_defaults(run=backup_command)
    restore = subparsers.add_parser("restore", help="replace the whole database with a backup (instance stopped)")
    restore.add_argument("path", help="a file written by `circlefed backup`")
    restore.add_argument("--replace", action="store_true", help="required: everything in the database is replaced")
    restore.set_defaults(run=restore_command)


async def backup_command(args) -> int:
    url = settings_from_args(args).database.url
    target = Path(args.path)
    if target.exists():
        return fail(f"{target} exists already: back up to a new file", EXIT_ERROR)
    if not target.parent.is_dir():
        return fail(f"the folder {target.parent} does not exist", EXIT_ERROR)
    source = sqlite_path(url)
    if source is not None:
        if not source.exists():
            return fail(f"there is no database at {source}", EXIT_ERROR)
        await asyncio.to_thread(_copy_sqlite, source, target)
    else:
        status = await _run_postgres_tool("pg_dump", "--format=custom", "--no-owner", f"--file={target}", _dsn(url))
        if status:
            target.unlink(missing_ok=True)
            return status
    print(f"backed up {describe(url)} to {target} ({target.stat().st_size:,} bytes)")
    return 0


async def restore_command(args) -> int:
    url = settings_from_args(args).database.url
    backup = Path(args.path)
    if not backup.is_file():
        return fail(f"{backup} is not a file", EXIT_ERROR)
    if not args.replace:
        return fail("a restore replaces everything in the database: stop the instance and add --replace", EXIT_ERROR)
    with backup.open("rb") as file:
        head = file.read(16)
    target = sqlite_path(url)
    if target is not None:
        if not head.startswith(SQLITE_MAGIC) or not await asyncio.to_thread(_is_circlefed_sqlite, backup):
            return fail(f"{backup} is not a SQLite backup of a circlefed instance", EXIT_ERROR)
        target.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(_copy_sqlite, backup, target)
    else:
        if not head.startswith(PG_DUMP_MAGIC):
            return fail(f"{backup} is not a PostgreSQL backup (pg_dump's custom format)", EXIT_ERROR)
        status = await _run_postgres_tool(
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={_dsn(url)}",
            str(backup),
        )
        if status:
            return status
    print(f"restored {describe(url)} from {backup}; run `circlefed migrate` if the backup is older than this version")
    return 0


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy page by page, while others read and write (WAL included)."""
    reading, writing = sqlite3.connect(source), sqlite3.connect(target)
    try:
        reading.backup(writing)
    finally:
        writing.close()
        reading.close()


def _is_circlefed_sqlite(path: Path) -> bool:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        return False
    finally:
        connection.close()
    return {"accounts", "circles", "actors"} <= names


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def _run_postgres_tool(tool: str, *arguments: str) -> int:
    if shutil.which(tool) is None:
        return fail(f"{tool} is not installed (Debian: apt install postgresql-client)", EXIT_ERROR)
    process = await asyncio.create_subprocess_exec(
        tool, *arguments, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        # The tool's own words (they name the database, never a password: the URL is not echoed).
        return fail(f"{tool} failed: {err.decode(errors='replace').strip()[-1000:]}", EXIT_ERROR)
    return 0
