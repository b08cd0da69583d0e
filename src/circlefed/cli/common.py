"""CLI: shared plumbing: loading settings, opening the database, printing errors with exit statuses."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from tortoise.context import TortoiseContext

from circlefed.clock import Clock
from circlefed.domain.safety import safety_from_settings
from circlefed.domain.site import Site
from circlefed.errors import BadRequest
from circlefed.settings import Settings, load_settings
from circlefed.storage.db import activated, describe, open_database, unapplied_migrations

EXIT_ERROR = 1
EXIT_CONFIG = 2


def settings_from_args(args) -> Settings:
    return load_settings(Path(args.config) if args.config else None)


def site_for(settings: Settings) -> Site:
    instance, safety = settings.instance, safety_from_settings(settings.moderation, Clock())
    return Site.for_base_url(instance.base_url, instance.domain, instance.name, safety=safety)


@contextlib.asynccontextmanager
async def database(settings: Settings, *, migrated: bool = True) -> AsyncIterator[None]:
    """Open the configured database, make it current for this task, close it afterwards. `migrated`: refuse, with
    what to run, a database this version's migrations have not all been applied to (only `migrate` and `setup`
    take one as it is)."""
    ctx = await open_database(settings.database.url)
    try:
        if migrated:
            await require_migrated(ctx, settings.database.url)
        with activated(ctx):
            yield
    finally:
        await ctx.close_connections()


async def database_is_migrated(settings: Settings) -> None:
    """BadRequest naming what to run when the configured database is not up to date (before serving it)."""
    async with database(settings):
        pass


async def require_migrated(ctx: TortoiseContext, url: str) -> None:
    missing = await unapplied_migrations(ctx)
    if missing:
        raise BadRequest(
            f"the database {describe(url)} is not up to date: {len(missing)} migration(s) of this version not "
            f"applied (the newest: {missing[-1]}); run `circlefed migrate` (or `circlefed setup` on a new instance)"
        )


def _whole_number(text: str, lowest: int, highest: int | None, what: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < lowest or (highest is not None and number > highest):
        raise argparse.ArgumentTypeError(f"{what}, not {number}")
    return number


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (a count, a limit, an id)."""
    return _whole_number(text, 1, None, "must be at least 1")


def count_int(text: str) -> int:
    """argparse type: a whole number of at least 0."""
    return _whole_number(text, 0, None, "must be 0 or more")


def port_int(text: str) -> int:
    """argparse type: a TCP port."""
    return _whole_number(text, 1, 65535, "a port is between 1 and 65535")


def warn(warnings: list[str]) -> None:
    """Say what the change left contradictory (the change is made: the admin decides what to undo)."""
    for warning in warnings:
        print(f"circlefed: warning: {warning}", file=sys.stderr)


def fail(message: str, status: int = EXIT_ERROR) -> int:
    print(f"circlefed: error: {message}", file=sys.stderr)
    return status


def print_table(headers: list[str], rows: list[list[object]]) -> None:
    """A plain aligned table on stdout (easy to read and to grep)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def read_text_file(file: str) -> str:
    """A UTF-8 file named on the command line; a clear BadRequest when it cannot be read."""
    try:
        return Path(file).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadRequest(f"cannot read {file}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise BadRequest(f"{file} is not UTF-8 text") from None
