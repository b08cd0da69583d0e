"""Web API: lists of statuses from many threads and circles (timelines, search results), in the order given, each
row checked again by the thread page's read rule and rendered by status_views.py one thread at a time."""

from __future__ import annotations

import logging
from collections import defaultdict

from aiohttp import web

from circlefed.domain.reading_scope import circles_of
from circlefed.errors import NotFound
from circlefed.storage.models import Post, Thread
from circlefed.web.api.status_views import Viewer, render_statuses
from circlefed.web.keys import CLOCK
from circlefed.web.ui.member_access import Access, access_for, may_see_row

log = logging.getLogger(__name__)

Key = tuple[bool, int]  # (is a thread, row id): a thread and a reply may share an id


def _key(row: Thread | Post) -> Key:
    return isinstance(row, Thread), row.id


async def render_rows(request: web.Request, viewer: Viewer, rows: list[Thread | Post]) -> list[dict]:
    """The rows' statuses as this viewer may see them, in the rows' order; a row the read rule refuses now is
    left out (the queries that found it should never let one through: it is logged)."""
    threads, circles = await circles_of(rows)
    accesses = await _accesses(viewer, circles.values(), request.app[CLOCK].now())
    by_thread: dict[int, list[Thread | Post]] = defaultdict(list)
    for row in rows:
        thread = threads[row.id if isinstance(row, Thread) else row.thread_id]  # type: ignore[attr-defined]
        access = accesses.get(thread.circle_id)  # type: ignore[attr-defined]
        if access is None or not (may_see_row(thread, access) and may_see_row(row, access)):
            log.warning("api: a status list left out %s %d: the read rule refuses it", _kind(row), row.id)
            continue
        by_thread[thread.id].append(row)
    rendered: dict[Key, dict] = {}
    for thread_id, its_rows in by_thread.items():
        thread = threads[thread_id]
        statuses = await render_statuses(request, accesses[thread.circle_id], thread, its_rows)  # type: ignore[attr-defined]
        rendered |= {_key(row): status for row, status in zip(its_rows, statuses, strict=True)}
    return [rendered[_key(row)] for row in rows if _key(row) in rendered]


async def _accesses(viewer: Viewer, circles, now) -> dict[int, Access]:
    accesses = {}
    for circle in circles:
        try:
            access = await access_for(circle, viewer.account, viewer.actor, now)
        except NotFound:
            log.warning("api: a status list left out circle %d: the viewer may not see it", circle.id)
            continue
        if access.can_read:
            accesses[circle.id] = access
    return accesses


def _kind(row: Thread | Post) -> str:
    return "thread" if isinstance(row, Thread) else "reply"
