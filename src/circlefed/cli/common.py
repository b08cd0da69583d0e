"""CLI: shared plumbing: loading settings, opening the database, printing errors with exit statuses."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from circlefed.clock import Clock
from circlefed.domain.safety import safety_from_settings
from circlefed.domain.site import Site
from circlefed.errors import BadRequest
from circlefed.settings import Settings, load_settings
from circlefed.storage.db import activated, open_database

EXIT_ERROR = 1
EXIT_CONFIG = 2


def settings_from_args(args) -> Settings:
    return load_settings(Path(args.config) if args.config else None)


def site_for(settings: Settings) -> Site:
    instance, safety = settings.instance, safety_from_settings(settings.moderation, Clock())
    return Site.for_base_url(instance.base_url, instance.domain, instance.name, safety=safety)


@contextlib.asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[None]:
    """Open the configured database, make it current for this task, close it afterwards."""
    ctx = await open_database(settings.database.url)
    try:
        with activated(ctx):
            yield
    finally:
        await ctx.close_connections()


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
