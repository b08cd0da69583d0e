"""Web API: Mastodon's timelines: home (the threads and replies of the circles the member joined), public (this
instance's public circles), and the hashtag and list timelines circles do not have; newest first, paged by id."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain.reading_scope import Scope, joined_scope, public_scope
from circlefed.domain.timelines import Window, candidates
from circlefed.web.api.auth import NO_STORE, bearer_optional, bearer_required, mastodon_error
from circlefed.web.api.paging import Page, link_header, page_of
from circlefed.web.api.status_lists import render_rows
from circlefed.web.api.status_views import Viewer, status_id, viewer_of
from circlefed.web.api.statuses import RECORD_NOT_FOUND, refused_as_mastodon

# Rails' false values for a boolean parameter (Mastodon's truthy_param?): anything else is true.
FALSE_WORDS = frozenset({"", "0", "f", "false", "off"})


def truthy(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").strip().lower() not in FALSE_WORDS


async def timeline(request: web.Request, viewer: Viewer, scope: Scope, page: Page) -> web.Response:
    """One page of the scope's statuses, newest first, with the Link header to the pages around it."""
    window = Window(page.max_id, page.lower, page.limit, oldest_first=page.min_id is not None)
    rows = {int(status_id(row)): row for row in await candidates(scope, window)}
    chosen = page.choose(list(rows))
    statuses = await render_rows(request, viewer, [rows[number] for number in chosen])
    shown = [int(status["id"]) for status in statuses]
    links = link_header(request, shown, full=len(chosen) == page.limit)
    return web.json_response(statuses, headers={**NO_STORE, **links})


@bearer_required("read:statuses")
@refused_as_mastodon
async def home(request: web.Request) -> web.StreamResponse:
    page = page_of(request)
    viewer = await viewer_of(request)
    assert viewer.actor is not None  # bearer_required: a member's token
    return await timeline(request, viewer, await joined_scope(viewer.actor), page)


@bearer_optional("read:statuses")
@refused_as_mastodon
async def public(request: web.Request) -> web.StreamResponse:
    """This instance's public circles (local=true or not: it relays no other server's public timeline)."""
    page = page_of(request)
    if truthy(request, "remote") or truthy(request, "only_media"):
        return web.json_response([], headers=NO_STORE)
    return await timeline(request, await viewer_of(request), await public_scope(), page)


@bearer_optional("read:statuses")
async def tag(request: web.Request) -> web.StreamResponse:
    """Circles have no hashtags."""
    return web.json_response([], headers=NO_STORE)


@bearer_required("read:lists")
async def list_timeline(request: web.Request) -> web.StreamResponse:
    """There are no lists here: every list is a missing one, as Mastodon answers for another member's list."""
    return mastodon_error(RECORD_NOT_FOUND, 404)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/timelines/home", home, name="api_timeline_home")
    app.router.add_get("/api/v1/timelines/public", public, name="api_timeline_public")
    app.router.add_get("/api/v1/timelines/tag/{hashtag}", tag)
    app.router.add_get("/api/v1/timelines/list/{id}", list_timeline)
