"""Web API: lists of statuses from many threads and circles (timelines, search results, an account's statuses,
notifications), in the order given, each row checked again by the thread page's read rule (status_views.py
readable_row) and rendered a page at a time (status_render.py)."""

from __future__ import annotations

import logging

from aiohttp import web
from tortoise.expressions import Q

from circlefed.domain.reading_scope import circles_of
from circlefed.protocol import mastodon_ids as ids
from circlefed.storage.models import Post, Thread
from circlefed.web.api.status_render import Item, render_page, status_id
from circlefed.web.api.status_views import Reading, Viewer, readable_row, reading_of

log = logging.getLogger(__name__)

Key = tuple[bool, int]  # (is a thread, row id): a thread and a reply may share an id


def _key(row: Thread | Post) -> Key:
    return isinstance(row, Thread), row.id


async def render_rows(request: web.Request, viewer: Viewer, rows: list[Thread | Post]) -> list[dict]:
    """The rows' statuses as this viewer may see them, in the rows' order; a row the read rule refuses now is
    left out (the queries that found it should never let one through: it is logged)."""
    items = await readable_items(reading_of(request, viewer), rows)
    for row, item in zip(rows, items, strict=True):
        if item is None:
            log.warning("api: a status list left out %s %d: the read rule refuses it", _kind(row), row.id)
    return await render_page(request, [item for item in items if item is not None])


async def readable_items(reading: Reading, rows: list[Thread | Post], *, by_id: bool = False) -> list[Item | None]:
    """Each row with its thread and the reader's access to its circle when the read rule lets the reader read it
    now, else None, in the rows' order. `by_id`: also only when the row's status id names it (the id of a row
    published in the same millisecond as an older one with the same low bits names that one: readable_status)."""
    threads, circles = await circles_of(rows)
    accesses = {circle_id: await reading.access(circle) for circle_id, circle in circles.items()}
    for circle_id, access in accesses.items():
        if access is None or not access.can_read:
            log.info("api: a status list leaves out circle %d: the viewer may not read it", circle_id)
    authors = {row.author_id for row in rows} | {thread.author_id for thread in threads.values()}  # type: ignore[attr-defined]
    hidden = await reading.hidden_authors(authors)
    named = await named_by_their_ids(rows) if by_id else None
    items: list[Item | None] = []
    for row in rows:
        thread = threads.get(row.id if isinstance(row, Thread) else row.thread_id)  # type: ignore[attr-defined]
        access = accesses.get(thread.circle_id) if thread is not None else None  # type: ignore[attr-defined]
        readable = thread is not None and access is not None and readable_row(row, thread, access, hidden)
        if readable and (named is None or _key(row) in named):
            items.append((row, thread, access))  # type: ignore[arg-type]
        else:
            items.append(None)
    return items


async def named_by_their_ids(rows: list[Thread | Post]) -> set[Key]:
    """The rows their own status ids name: the first live row (by id) of the id's kind, millisecond and low bits,
    as readable_status finds it; the live rows of the page's milliseconds read in one query per kind."""
    named: set[Key] = set()
    for model in (Thread, Post):
        these = [row for row in rows if type(row) is model]
        if not these:
            continue
        windows = {_window(row) for row in these}
        around = Q(*(Q(published_at__gte=start, published_at__lt=end) for start, end in windows), join_type=Q.OR)
        first: dict[int, int] = {}  # a status id (millisecond and bits) -> the first live row it names
        for row_id, published_at in await model.filter(around, deleted_at=None).values_list("id", "published_at"):
            number = ids.status_id("thread" if model is Thread else "reply", row_id, published_at)
            first[int(number)] = min(first.get(int(number), row_id), row_id)
        named |= {_key(row) for row in these if first.get(int(status_id(row))) == row.id}
    return named


def _window(row: Thread | Post):
    ref = ids.parse_status_id(status_id(row))
    assert ref is not None  # a row's own status id always parses
    return ref.window()


def _kind(row: Thread | Post) -> str:
    return "thread" if isinstance(row, Thread) else "reply"
