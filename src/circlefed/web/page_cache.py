"""Web: pages kept for anonymous readers of public circles, served again while nothing on them has changed.

A page is kept only when its handler says anyone may see it (a public circle, read by nobody signed in) and the
request carried no cookie and the answer set none. Each kept page records the page revision read *before* it
was made (storage/page_revision.py: the database raises it, by trigger, on every change a page could show); it
is served again only while the revision is unchanged and for at most MAX_AGE, so an edit, a deletion, a ban, a
name or visibility change anywhere ends every kept page at once, in every process sharing the database.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import hdrs, web

from circlefed.storage.page_revision import current_page_revision
from circlefed.web.keys import METRICS
from circlefed.web.negotiation import wants_activity_json

# Pages show times and nothing else that changes with the clock alone; this bounds what a missed trigger costs.
MAX_AGE = 60.0
MAX_BYTES = 64 * 1024 * 1024  # all kept pages together, whatever web.page_cache_entries allows
SHAREABLE = web.ResponseKey("circlefed_shareable", bool)
_KEPT_HEADERS = (hdrs.CONTENT_TYPE, hdrs.VARY, hdrs.CACHE_CONTROL)
# The pages that mark themselves shareable (a circle's page, a thread's page); other requests skip the cache.
CACHED_ROUTES = frozenset({"circle", "thread"})
# The only query parameter those pages read (the next page's cursor): other ones would only multiply the keys.
CACHED_PARAMETERS = frozenset({"after"})
# Requests carrying any of these are someone's: never answered from, nor kept in, the cache.
_PERSONAL_HEADERS = (hdrs.COOKIE, hdrs.AUTHORIZATION, "Signature", "Signature-Input")


@dataclass(frozen=True)
class KeptPage:
    revision: int
    kept_at: float
    body: bytes  # of a 200: nothing else is kept
    headers: tuple[tuple[str, str], ...]


class PageCache:
    """The kept pages of one app, least recently used dropped first beyond `entries`."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._pages: OrderedDict[str, KeptPage] = OrderedDict()
        self._bytes = 0

    def fresh(self, key: str, revision: int, now: float) -> KeptPage | None:
        page = self._pages.get(key)
        if page is None or page.revision != revision or now - page.kept_at > MAX_AGE:
            return None
        self._pages.move_to_end(key)
        return page

    def keep(self, key: str, page: KeptPage) -> None:
        self._drop(key)
        self._pages[key] = page
        self._bytes += len(page.body)
        while len(self._pages) > self.entries or self._bytes > MAX_BYTES:
            self._drop(next(iter(self._pages)))

    def _drop(self, key: str) -> None:
        page = self._pages.pop(key, None)
        if page is not None:
            self._bytes -= len(page.body)

    def __len__(self) -> int:
        return len(self._pages)


PAGE_CACHE = web.AppKey("page_cache", PageCache)


def mark_shareable(response: web.StreamResponse) -> None:
    """The handler's word that this page is the same for every anonymous reader (a public circle's)."""
    response[SHAREABLE] = True


def _cacheable_request(request: web.Request) -> bool:
    return (
        request.method == "GET"
        and request.match_info.route.name in CACHED_ROUTES
        and request.query.keys() <= CACHED_PARAMETERS
        and not any(name in request.headers for name in _PERSONAL_HEADERS)
        and not wants_activity_json(request)
    )


@web.middleware
async def anonymous_pages(request: web.Request, handler):
    """Answer an anonymous reader from the kept page while it is current; keep shareable pages."""
    cache = request.app.get(PAGE_CACHE)
    if cache is None or not cache.entries or not _cacheable_request(request):
        return await handler(request)
    revision = await current_page_revision()
    now = time.monotonic()
    kept = cache.fresh(request.path_qs, revision, now)
    if kept is not None:
        request.app[METRICS].count_page_cache("hit")
        return web.Response(body=kept.body, headers=dict(kept.headers))
    response = await handler(request)
    if _shareable(response):
        cache.keep(request.path_qs, _kept(response, revision, now))
        request.app[METRICS].count_page_cache("miss")
    return response


def _shareable(response: web.StreamResponse) -> bool:
    return (
        isinstance(response, web.Response)
        and response.get(SHAREABLE, False)
        and response.status == 200
        and not response.cookies  # a session began (a form's token): this page is someone's now
        and hdrs.SET_COOKIE not in response.headers
        and response.body is not None
    )


def _kept(response: web.Response, revision: int, now: float) -> KeptPage:
    headers = tuple((name, response.headers[name]) for name in _KEPT_HEADERS if name in response.headers)
    return KeptPage(revision, now, bytes(response.body), headers)  # type: ignore[arg-type]
