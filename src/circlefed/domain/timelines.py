"""Domain: the rows one page of a timeline may hold: a Scope's threads and replies around Mastodon status ids
(protocol/mastodon_ids.py: milliseconds of publication above row bits), found by time with bounded, indexed
queries: each table gives the `limit` rows nearest the page's start, plus every row of the milliseconds where
that fetch and the cursors stop (inside one millisecond ids do not follow publication order)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.queryset import QuerySet

from circlefed.domain.reading_scope import Scope
from circlefed.protocol import mastodon_ids as ids
from circlefed.storage.models import Post, Thread

log = logging.getLogger(__name__)

# Rows of one table published in one millisecond that a page looks at: far beyond any real instance's.
MILLISECOND_CAP = 1000
EPOCH = datetime.fromtimestamp(0, UTC)


@dataclass(frozen=True)
class Window:
    """The status ids a page may hold: below `upper` and above `lower` (exclusive), `limit` of them, the newest
    ones or (oldest_first: Mastodon's min_id) the ones just above `lower`."""

    upper: int | None
    lower: int | None
    limit: int
    oldest_first: bool = False


async def candidates(scope: Scope, window: Window) -> list[Thread | Post]:
    """Rows of the scope among which the page's are all (choose them by their status ids)."""
    if scope.is_empty:
        return []
    rows: list[Thread | Post] = []
    for table in (scope.threads(), scope.replies()):
        rows.extend(await _of_table(table, window))
    return rows


async def _of_table(rows: QuerySet, window: Window) -> list[Thread | Post]:
    upper = _millisecond(window.upper)
    lower = _millisecond(window.lower)
    found: dict[int, Thread | Post] = {}
    # The cursor's own millisecond: its rows on the far side of the cursor take no place in the page.
    edge = lower if window.oldest_first else upper
    if edge is not None:
        found |= await _in_millisecond(rows, edge)
    inner = rows
    if upper is not None:
        inner = inner.filter(published_at__lt=upper.window()[1 if window.oldest_first else 0])
    if lower is not None:
        inner = inner.filter(published_at__gte=lower.window()[1 if window.oldest_first else 0])
    order = "published_at" if window.oldest_first else "-published_at"
    nearest = await inner.order_by(order).limit(window.limit)
    found |= {row.id: row for row in nearest}
    if len(nearest) == window.limit:
        last = nearest[-1].published_at
        found |= await _in_millisecond(rows, ids.StatusRef("thread", _millis(last), 0))
    return list(found.values())


def _millisecond(status_id: int | None) -> ids.StatusRef | None:
    return None if status_id is None else ids.StatusRef("thread", status_id >> 16, 0)


def _millis(moment: datetime) -> int:
    return (moment - EPOCH) // ids.MILLISECOND


async def _in_millisecond(rows: QuerySet, ref: ids.StatusRef) -> dict[int, Thread | Post]:
    start, end = ref.window()
    within = await rows.filter(published_at__gte=start, published_at__lt=end).order_by("id").limit(MILLISECOND_CAP)
    if len(within) == MILLISECOND_CAP:
        log.warning("timeline: %d rows published in one millisecond; a page may miss some", MILLISECOND_CAP)
    return {row.id: row for row in within}
