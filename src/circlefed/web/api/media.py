"""Web API: media uploads, refused with a clear message (circles hold text only)."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.web.api.auth import TOKEN, bearer_required, mastodon_error

log = logging.getLogger(__name__)
NO_MEDIA = "Media attachments are not supported here: circles hold text only"


@bearer_required("write:media")
async def upload(request: web.Request) -> web.Response:
    log.info("api: token %d tried to upload media: refused, text only", request[TOKEN].id)
    return mastodon_error(NO_MEDIA, 422)


def add_routes(app: web.Application) -> None:
    for path in ("/api/v1/media", "/api/v2/media"):
        app.router.add_post(path, upload)
