"""Web UI: the search page (/search?q=&circle=): threads and replies the viewer may read now that hold the query's
words, newest first, in every circle or in one: anyone may search public circles' public rows, a member also
the circles they belong to (domain/reading_scope.py); each result is checked again by the circle page's rule."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from tortoise.expressions import Q

from circlefed.domain.reading_scope import circles_of, reader_scope
from circlefed.domain.text_search import MAX_OFFSET, find_rows, is_searchable, search_terms
from circlefed.errors import BadRequest, NotFound
from circlefed.storage.models import Circle, Post, Thread
from circlefed.web.keys import CLOCK
from circlefed.web.ui.guards import viewer_actor
from circlefed.web.ui.member_access import Access, access_for, circle_path, may_see_row, thread_path
from circlefed.web.ui.member_threads import readable_replies
from circlefed.web.ui.paging import encode_cursor
from circlefed.web.ui.render import render
from circlefed.web.ui.search_excerpts import excerpt, marked
from circlefed.web.ui.session import current_account

log = logging.getLogger(__name__)
PAGE = "/search"
PAGE_SIZE = 20
MAX_PAGE = MAX_OFFSET // PAGE_SIZE + 1
MAX_QUERY_LENGTH = 300
MAX_CIRCLE_LENGTH = 200
TOO_SHORT = "Type a word of at least two letters or digits to search for."


async def search_page(request: web.Request) -> web.Response:
    text = request.query.get("q", "").strip()[:MAX_QUERY_LENGTH]
    circle_text = request.query.get("circle", "").strip()[:MAX_CIRCLE_LENGTH]
    page = _page_number(request)
    circle = await _circle_named(circle_text)
    context: dict[str, Any] = {
        "q": text, "circle_text": circle_text, "within": await _within(request, circle, circle_text),
        "searched": False, "problem": None, "results": [], "next_url": None,
    }
    terms = search_terms(text)
    if "q" in request.query and not is_searchable(terms):
        context["problem"] = TOO_SHORT
    elif terms and (circle is not None or not circle_text):
        rows = await find_rows(
            await reader_scope(await viewer_actor(request)), terms, limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE, circle_id=circle.id if circle is not None else None,
        )
        context["results"] = await _results(request, rows[:PAGE_SIZE], terms)
        if len(rows) > PAGE_SIZE and page < MAX_PAGE:
            context["next_url"] = str(request.rel_url.update_query({"page": page + 1}))
    context["searched"] = context["problem"] is None and bool(terms)
    return await render(request, "ui/search.html", context)


def _page_number(request: web.Request) -> int:
    raw = request.query.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 3 or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"The page number must be a whole number from 1 to {MAX_PAGE}.")
    return int(raw)


async def _circle_named(text: str) -> Circle | None:
    """The circle `circle=` names: a circle here by its slug, one stored from elsewhere as name@domain."""
    if not text:
        return None
    name, _, domain = text.lstrip("@").partition("@")
    if not domain:
        return await Circle.get_or_none(slug=name, is_local=True)
    return await Circle.filter(slug=name, is_local=False, actor__instance__domain=domain.lower()).order_by("id").first()


async def _within(request: web.Request, circle: Circle | None, text: str) -> dict[str, Any] | None:
    """The circle searched in, named and linked for a viewer who may read it; otherwise only as typed, exactly as
    for a circle that does not exist."""
    if not text:
        return None
    access = await _access(request, circle) if circle is not None else None
    if access is None or not access.can_read:
        return {"name": text, "path": None}
    return {"name": access.circle.name, "path": access.path}


async def _access(request: web.Request, circle: Circle) -> Access | None:
    try:
        return await access_for(circle, await current_account(request), await viewer_actor(request),
                                request.app[CLOCK].now())
    except NotFound:
        return None


async def _results(request: web.Request, rows: list[Thread | Post], terms: list[str]) -> list[dict[str, Any]]:
    """Each row as the page lists it, after the circle page's own read rule for the row (and its thread)."""
    threads, circles = await circles_of(rows)
    accesses: dict[int, Access | None] = {}
    results = []
    for row in rows:
        thread = threads[row.id if isinstance(row, Thread) else row.thread_id]  # type: ignore[attr-defined]
        circle = circles[thread.circle_id]  # type: ignore[attr-defined]
        if circle.id not in accesses:
            accesses[circle.id] = await _access(request, circle)
        access = accesses[circle.id]
        if access is None or not access.can_read or not may_see_row(thread, access) or not may_see_row(row, access):
            log.warning("search page left out a %s the read rule refuses", type(row).__name__.lower())
            continue
        results.append({
            "is_reply": isinstance(row, Post),
            "title": marked(thread.title, terms),
            "href": await _href(request, access, thread, row),
            "circle": {"name": circle.name, "path": circle_path(circle)},
            "published_at": row.published_at,
            "warning": row.content_warning,
            "excerpt": excerpt(row.content_html, terms),
        })
    return results


async def _href(request: web.Request, access: Access, thread: Thread, row: Thread | Post) -> str:
    """The thread's page, or for a reply the page of the thread showing it, at the reply."""
    path = thread_path(request, thread)
    if isinstance(row, Thread):
        return path
    earlier = Q(published_at__lt=row.published_at) | Q(published_at=row.published_at, id__lt=row.id)
    previous = await (await readable_replies(thread, access)).filter(earlier).order_by("-published_at", "-id").first()
    query = f"?after={encode_cursor(previous.published_at, previous.id)}" if previous else ""
    return f"{path}{query}#post-{row.id}"


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, search_page, name="search")
