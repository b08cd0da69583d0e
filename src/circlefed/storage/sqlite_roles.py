"""Storage: on SQLite one process serves pages and one works the queue; a lock file beside the database says so.

SQLite takes one writer at a time: several web processes or queue workers on one file wait on each other's write
lock and time out under load, so startup refuses a second one with a clear message instead. The lock is an
advisory `flock` held for the life of the process: the kernel releases it when the process ends, SIGKILL included,
so a crashed process never leaves a stale lock behind. PostgreSQL takes any number of each.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from circlefed.errors import ConfigError
from circlefed.storage.db import sqlite_path

WEB = "web"
QUEUE = "queue"

_HOLDERS = {
    WEB: "a circlefed web process (`circlefed serve`)",
    QUEUE: "a queue worker (`circlefed worker`, or a web process with web.run_worker = true)",
}
_SCALE_OUT = "move the instance to PostgreSQL to run several (deploy/README.md, \"Several processes\")"


def lock_file(database: Path, role: str) -> Path:
    return database.with_name(f"{database.name}.{role}.lock")


@contextlib.contextmanager
def sole_process(database_url: str, role: str) -> Iterator[None]:
    """Hold `role` (WEB or QUEUE) of a SQLite database for the block; ConfigError if another process holds it.

    Other databases (PostgreSQL, an in-memory SQLite) take any number of processes: nothing is locked."""
    path = sqlite_path(database_url)
    if path is None or str(path) == ":memory:":
        yield
        return
    target = lock_file(path.resolve(), role)
    try:
        descriptor = os.open(target, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot create the lock file {target}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"{_HOLDERS[role]} is already running on the SQLite database {path}; SQLite takes one, so this "
                f"one does not start: stop the other one, or {_SCALE_OUT}"
            ) from None
        yield
    finally:
        os.close(descriptor)  # releases the lock; the file stays, empty, for the next process
