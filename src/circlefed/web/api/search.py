"""Web API: Mastodon's search (v2): circles as group accounts by name, threads and replies by their words (for a
member's token), among what the viewer may see and read now; with resolve, the thread or reply an address here
names (if readable)."""

from __future__ import annotations

import logging
import re

from aiohttp import web
from tortoise.expressions import Q

from circlefed.domain.reading_scope import reader_scope
from circlefed.domain.text_search import find_rows, search_terms
from circlefed.errors import BadRequest, CirclefedError, NotFound
from circlefed.services import membership
from circlefed.storage.models import Circle, Membership, MembershipState, Post, Thread, Visibility
from circlefed.web.api.account_targets import circle_target
from circlefed.web.api.auth import NO_STORE, bearer_optional, mastodon_error
from circlefed.web.api.status_lists import render_rows
from circlefed.web.api.status_views import Viewer, readable_status, render_statuses, status_id, viewer_of
from circlefed.web.api.statuses import refused_as_mastodon
from circlefed.web.api.timelines import truthy
from circlefed.web.keys import CLOCK, FEDERATION, SETTINGS, SITE

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
ADDRESS = re.compile(r"^https?://\S+$", re.IGNORECASE)
REPLY_ANCHOR = re.compile(r"^post-(\d{1,18})$")
HANDLE = re.compile(r"^@?[A-Za-z0-9_.-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$")
SIGN_IN_TO_PAGE = "Search queries pagination is not supported without authentication"
SIGN_IN_TO_RESOLVE = "Search queries that resolve remote resources are not supported without authentication"


@bearer_optional("read:search")
@refused_as_mastodon
async def search(request: web.Request) -> web.StreamResponse:
    query = request.query
    text = query.get("q", "").strip()
    if not text:
        return mastodon_error("param is missing or the value is empty: q", 400)
    viewer = await viewer_of(request)
    resolve = truthy(request, "resolve")
    if viewer.account is None and query.get("offset"):
        return mastodon_error(SIGN_IN_TO_PAGE, 401)
    if viewer.account is None and resolve:
        return mastodon_error(SIGN_IN_TO_RESOLVE, 401)
    limit = min(max(_number(query, "limit", DEFAULT_LIMIT), 1), MAX_LIMIT)
    offset = _number(query, "offset", 0)
    kind = query.get("type", "")
    found: dict[str, list] = {"accounts": [], "statuses": [], "hashtags": []}
    if resolve and ADDRESS.match(text):
        if offset == 0 and kind in ("", "statuses"):
            found["statuses"] = await _resolved(request, viewer, text)
        return web.json_response(found, headers=NO_STORE)
    if kind in ("", "accounts"):
        if resolve and viewer.actor is not None and offset == 0:
            await _remember_circle_elsewhere(request, text)
        found["accounts"] = await _circles(request, viewer, text, limit, offset)
    if kind in ("", "statuses") and viewer.actor is not None:
        # Words are searched for members only (as Mastodon does): it reads many rows, and no token limits nobody.
        rows = await find_rows(await reader_scope(viewer.actor), search_terms(text), limit=limit, offset=offset)
        found["statuses"] = await render_rows(request, viewer, rows)
    return web.json_response(found, headers=NO_STORE)


def _number(query, name: str, default: int) -> int:
    raw = query.get(name, "")
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise BadRequest(f"{name} must be a whole number")
    return int(raw)


async def _resolved(request: web.Request, viewer: Viewer, address: str) -> list[dict]:
    """The thread or reply stored under this address (its id, its page, a reply's place on its thread's page)
    as a one-item list when the viewer may read it now; else none, exactly as for an address nothing has."""
    row = await _row_at(request.app[SITE].uris.base, address)
    if row is None:
        return []
    try:
        readable = await readable_status(status_id(row), viewer, request.app[CLOCK].now())
    except NotFound:
        return []
    if type(readable.row) is not type(row) or readable.row.id != row.id:
        return []  # another row shares its id's millisecond and bits: the id names that one, not this
    return await render_statuses(request, readable.access, readable.thread, [readable.row])


async def _row_at(base: str, address: str) -> Thread | Post | None:
    page, _, anchor = address.partition("#")
    row: Thread | Post | None = await Thread.get_or_none(uri=page) or await Post.get_or_none(uri=page)
    path = page[len(base) :] if page.startswith(base + "/") else ""
    if row is None and path.startswith("/threads/") and path[len("/threads/") :].isdigit():
        row = await Thread.get_or_none(id=int(path[len("/threads/") :]))
    reply = REPLY_ANCHOR.match(anchor)
    if isinstance(row, Thread) and reply:
        return await Post.get_or_none(id=int(reply.group(1)), thread_id=row.id)
    return row


async def _circles(request: web.Request, viewer: Viewer, text: str, limit: int, offset: int) -> list[dict]:
    """Circles whose name or handle holds the words, as the circles page lists them to this viewer: this
    instance's public ones to anyone, all of its own and the remote ones they belong to or that are public to
    its members."""
    name, _, domain = text.lstrip("@").partition("@")
    name = " ".join(name.split())
    if not name:
        return []
    matching = Circle.filter(Q(name__icontains=name) | Q(slug__icontains=name))
    if domain:
        here = domain.lower() == request.app[SETTINGS].instance.domain.lower()
        matching = matching.filter(is_local=True) if here else matching.filter(
            is_local=False, actor__instance__domain=domain.lower())
    accounts = []
    for circle in await matching.filter(await _seen_by(viewer)).order_by("name", "id").offset(offset).limit(limit):
        try:
            accounts.append((await circle_target(request, circle, viewer)).shown)
        except NotFound:
            log.warning("api: search left out circle %d: the viewer may not see it", circle.id)
    return accounts


async def _remember_circle_elsewhere(request: web.Request, text: str) -> None:
    """With resolve, a handle of another instance's circle is read from there and remembered, so that the
    search below finds it (as Mastodon resolves a remote account); a handle naming nothing finds nothing."""
    domain = text.rpartition("@")[2].lower()
    if not HANDLE.match(text) or domain == request.app[SETTINGS].instance.domain.lower():
        return
    try:
        await membership.find_elsewhere(request.app[FEDERATION], "@" + text.lstrip("@"))
    except CirclefedError as exc:
        log.info("api: search could not resolve a circle's handle on %s: %s", domain, exc.message)


async def _seen_by(viewer: Viewer) -> Q:
    if viewer.actor is None:
        return Q(is_local=True, visibility=Visibility.PUBLIC)
    belongs = await Membership.filter(actor_id=viewer.actor.id).exclude(state=MembershipState.REJECTED).values_list(
        "circle_id", flat=True)
    return Q(is_local=True) | Q(visibility=Visibility.PUBLIC) | Q(id__in=list(belongs) or [0])


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v2/search", search, name="api_search")
