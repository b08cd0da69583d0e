"""Web API: editing a status from an app (PUT /api/v1/statuses/:id, and /source, which apps read before editing):
the author's own thread or reply, through the same service and safety net as the edit page."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.errors import Forbidden
from circlefed.services import posting
from circlefed.storage.models import Circle, Thread
from circlefed.web.api.auth import NO_STORE, bearer_required, list_param, mastodon_error, read_params
from circlefed.web.api.media import NO_MEDIA
from circlefed.web.api.status_views import (
    Readable,
    Viewer,
    readable_status,
    render_statuses,
    source_text,
    viewer_of,
)
from circlefed.web.api.statuses import MENTION, hold_message, refused_as_mastodon, split_title, without_mentions
from circlefed.web.keys import CLOCK, SETTINGS, SITE

log = logging.getLogger(__name__)


async def _own(request: web.Request) -> tuple[Readable, Viewer]:
    viewer = await viewer_of(request)
    readable = await readable_status(request.match_info["id"], viewer, request.app[CLOCK].now())
    if viewer.actor is None or readable.row.author_id != viewer.actor.id:  # type: ignore[attr-defined]
        raise Forbidden("Only the author can change this post")
    return readable, viewer


@bearer_required("read:statuses")
@refused_as_mastodon
async def source(request: web.Request) -> web.StreamResponse:
    readable, _ = await _own(request)
    (status,) = await render_statuses(request, readable.access, readable.thread, [readable.row])
    body = {"id": status["id"], "text": source_text(readable), "spoiler_text": readable.row.content_warning or ""}
    return web.json_response(body, headers=NO_STORE)


@bearer_required("write:statuses")
@refused_as_mastodon
async def edit(request: web.Request) -> web.StreamResponse:
    readable, viewer = await _own(request)
    params = await read_params(request)
    if list_param(params, "media_ids"):
        return mastodon_error(NO_MEDIA, 422)
    text = params.get("status") if isinstance(params.get("status"), str) else ""
    if not text.strip():
        return mastodon_error("Validation failed: Text can't be blank", 422)
    warning = params.get("spoiler_text")
    warning = warning.strip() or None if isinstance(warning, str) else None
    assert viewer.actor is not None
    site, now, row = request.app[SITE], request.app[CLOCK].now(), readable.row
    if isinstance(row, Thread):
        title, body = split_title(_without_own_circle(request, readable.access.circle, text))
        result = await posting.edit_thread(
            site, row, viewer.actor, title=title, source=body, content_warning=warning, now=now
        )
    else:
        result = await posting.edit_reply(site, row, viewer.actor, source=text, content_warning=warning, now=now)
    log.info("api: actor %d edited a status of thread %d", viewer.actor.id, readable.thread.id)
    fresh = await readable_status(request.match_info["id"], viewer, now)
    (status,) = await render_statuses(request, fresh.access, fresh.thread, [fresh.row])
    hold = await hold_message(request, result.screening, edit=True)
    return web.json_response({**status, **({"circlefed_hold": hold} if hold else {})}, headers=NO_STORE)


def _without_own_circle(request: web.Request, circle: Circle, text: str) -> str:
    """The text without mentions of the thread's own circle; a thread cannot move to another circle."""
    domain = request.app[SETTINGS].instance.domain.lower()
    own = []
    for match in MENTION.finditer(text):
        if match.group(1).lower() == circle.slug and (match.group(2) or domain).lower() == domain:
            own.append(match)
    return without_mentions(text, own)


def add_routes(app: web.Application) -> None:
    app.router.add_put("/api/v1/statuses/{id}", edit)
    app.router.add_get("/api/v1/statuses/{id}/source", source)
