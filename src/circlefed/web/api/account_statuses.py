"""Web API: an account's statuses, one Mastodon page at a time: a circle's threads, a member's posts in public
circles (all their own to the member), a name's or a remote author's posts; each status by the one read rule
(status_views.readable_row, as readable_status finds it by its id) and shown under the account asked for, never
under another. Rows are checked and rendered a batch at a time: a page costs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from tortoise.queryset import QuerySet

from circlefed.protocol import mastodon_ids as ids
from circlefed.storage.models import Post, Thread
from circlefed.web.api.account_targets import CIRCLE, MEMBER, PSEUDONYM, Target
from circlefed.web.api.accounts import public_replies, public_threads
from circlefed.web.api.paging import Page
from circlefed.web.api.status_lists import readable_items
from circlefed.web.api.status_render import render_page
from circlefed.web.api.status_views import Viewer, reading_of, status_id

BATCH = 50  # rows read at a time, newest first (oldest first when paging forward with min_id)
BUDGET = 400  # rows looked at for one page at most: a page may come back short, never slow
TRUE = ("1", "true", "on")
Row = Thread | Post
Accept = Callable[[list[Row]], Awaitable[list[dict | None]]]  # each row's status, or None: not on the page


@dataclass(frozen=True)
class Listed:
    """One page: (id, status) newest first, and whether more may follow it (the Link header's next)."""

    items: list[tuple[int, dict]]
    more: bool


def flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").strip().lower() in TRUE


async def account_statuses(request: web.Request, target: Target, viewer: Viewer, page: Page) -> Listed:
    """The target's statuses the reader may read, by Mastodon's filters (no media or tags here: those are
    empty; pinned: a circle's pinned threads, nobody else pins)."""
    if flag(request, "only_media") or request.query.get("tagged", "").strip():
        return Listed([], more=False)
    pinned, no_replies = flag(request, "pinned"), flag(request, "exclude_replies")
    if target.kind == CIRCLE:
        assert target.circle is not None
        threads = Thread.filter(circle_id=target.circle.id)
        return await walk(page, [threads.filter(is_pinned=True) if pinned else threads], _accept(request, viewer))
    if pinned:
        return Listed([], more=False)
    assert target.actor is not None
    author = target.actor.id
    if target.kind == MEMBER and not target.own:
        queries: list[QuerySet] = [public_threads(author), public_replies(author)]
    elif target.kind == PSEUDONYM:
        assert target.circle is not None
        circle_id = target.circle.id
        queries = [Thread.filter(author_id=author, circle_id=circle_id),
                   Post.filter(author_id=author, thread__circle_id=circle_id)]
    else:
        queries = [Thread.filter(author_id=author), Post.filter(author_id=author)]
    if no_replies:
        queries = queries[:1]
    shown_as = None if target.own else target.id  # the member sees all their own posts, under any name
    return await walk(page, queries, _accept(request, viewer, shown_as))


def _accept(request: web.Request, viewer: Viewer, shown_as: str | None = None) -> Accept:
    async def accept(rows: list[Row]) -> list[dict | None]:
        items = await readable_items(reading_of(request, viewer), rows, by_id=True)
        rendered = iter(await render_page(request, [item for item in items if item is not None]))
        statuses = [next(rendered) if item is not None else None for item in items]
        return [None if status is None or (shown_as is not None and status["account"]["id"] != shown_as) else status
                for status in statuses]

    return accept


async def walk(page: Page, queries: list[QuerySet], accept: Accept) -> Listed:
    """Rows of the queries in status id order from the page's cursor on, each accepted or left, until the page
    is full or the rows (or the budget) run out. Status ids sort by publication time, so each batch is read by
    time and a millisecond is never split between batches."""
    forward = page.min_id is not None  # oldest first from min_id: the page just above it
    upper = _millisecond(page.max_id)[1] if page.max_id is not None else None
    lower = _millisecond(page.lower)[0] if page.lower is not None else None
    found: list[tuple[int, dict]] = []
    looked = 0
    while looked < BUDGET:
        batch = await _batch(queries, upper, lower, forward)
        if not batch:
            return Listed(_newest_first(found), more=False)
        admitted = [(number, row) for number, row in batch if page.admits(number)]
        statuses = await accept([row for _, row in admitted]) if admitted else []
        for (number, _), status in zip(admitted, statuses, strict=True):
            if status is not None:
                found.append((number, status))
                if len(found) == page.limit:
                    return Listed(_newest_first(found), more=True)
        looked += len(batch)
        edge = _millisecond(batch[-1][0])
        upper, lower = (upper, edge[1]) if forward else (edge[0], lower)
    return Listed(_newest_first(found), more=bool(found))


async def _batch(queries: list[QuerySet], upper: datetime | None, lower: datetime | None, forward: bool):
    """(status id, row) of the next BATCH rows by time within [lower, upper), with every row of the last
    millisecond they reach, in walking order."""
    bounded = [_within(query.filter(deleted_at=None), lower, upper) for query in queries]
    order = "published_at" if forward else "-published_at"
    rows: list[Row] = []
    for query in bounded:
        rows += await query.order_by(order).limit(BATCH)
    if not rows:
        return []
    rows.sort(key=lambda row: row.published_at, reverse=not forward)
    rows = rows[:BATCH]
    start, end = _millisecond(int(status_id(rows[-1])))
    for query in bounded:
        rows += await query.filter(published_at__gte=start, published_at__lt=end)
    unique = {(type(row), row.id): row for row in rows}.values()
    return sorted(((int(status_id(row)), row) for row in unique), key=lambda pair: pair[0], reverse=not forward)


def _within(query: QuerySet, lower: datetime | None, upper: datetime | None) -> QuerySet:
    if lower is not None:
        query = query.filter(published_at__gte=lower)
    if upper is not None:
        query = query.filter(published_at__lt=upper)
    return query


def _millisecond(number: int) -> tuple[datetime, datetime]:
    """[start, end) of the millisecond a status id was published in."""
    start = datetime.fromtimestamp(0, UTC) + (number >> 16) * ids.MILLISECOND
    return start, start + ids.MILLISECOND


def _newest_first(found: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    return sorted(found, key=lambda pair: pair[0], reverse=True)
