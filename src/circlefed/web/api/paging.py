"""Web API: Mastodon's paging of lists (max_id, since_id, min_id, limit) and the Link header that names the next
and previous pages; lists are newest first and item ids are numbers that sort by time."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from circlefed.errors import BadRequest
from circlefed.web.keys import SITE

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
CURSORS = ("max_id", "since_id", "min_id")


@dataclass(frozen=True)
class Page:
    """Which items an app asks for: ids below max_id and above since_id or min_id, at most `limit`; with min_id,
    the ones just above it (the page before), else the newest."""

    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int

    @property
    def lower(self) -> int | None:
        bounds = [bound for bound in (self.since_id, self.min_id) if bound is not None]
        return max(bounds) if bounds else None

    def admits(self, item_id: int) -> bool:
        lower = self.lower
        return (self.max_id is None or item_id < self.max_id) and (lower is None or item_id > lower)

    def choose(self, item_ids: list[int]) -> list[int]:
        """The page's ids, newest first, out of candidates in any order."""
        admitted = sorted({item for item in item_ids if self.admits(item)}, reverse=True)
        if self.min_id is not None:
            return admitted[-self.limit :]
        return admitted[: self.limit]


def page_of(request: web.Request, *, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> Page:
    """The page the query string asks for; a limit above the maximum is the maximum, as Mastodon does."""
    query = request.query
    cursors = {name: _number(name, query.get(name, "")) for name in CURSORS}
    raw_limit = query.get("limit", "")
    limit = _number("limit", raw_limit) if raw_limit else default
    return Page(limit=min(max(limit or default, 1), maximum), **cursors)


def _number(name: str, raw: str) -> int | None:
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        raise BadRequest(f"{name} must be a whole number")
    return int(raw)


def link_header(request: web.Request, page_ids: list[int], *, full: bool) -> dict[str, str]:
    """Link to the next (older) page when this one is full, and to the previous (newer) one when it has items."""
    if not page_ids:
        return {}
    kept = [(key, value) for key, value in request.query.items() if key not in CURSORS]
    base = request.app[SITE].uris.base + request.path  # the public address, also behind a proxy
    links = []
    if full:
        links.append(f'<{base}?{urlencode([*kept, ("max_id", str(page_ids[-1]))])}>; rel="next"')
    links.append(f'<{base}?{urlencode([*kept, ("min_id", str(page_ids[0]))])}>; rel="prev"')
    return {"Link": ", ".join(links)}
