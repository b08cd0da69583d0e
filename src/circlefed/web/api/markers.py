"""Web API: Mastodon's read markers: where the member stopped reading their home timeline and notifications,
kept per account so that every app of theirs starts where they left off."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from circlefed.domain.markers import TIMELINES, markers_of, parse_last_read_id
from circlefed.protocol.mastodon_status import iso
from circlefed.services.markers import save_markers
from circlefed.storage.models import Marker
from circlefed.web.api.auth import NO_STORE, TOKEN, bearer_required, read_params
from circlefed.web.api.statuses import refused_as_mastodon
from circlefed.web.keys import CLOCK

log = logging.getLogger(__name__)


def render_markers(markers: list[Marker]) -> dict[str, dict]:
    return {
        marker.timeline: {
            "last_read_id": str(marker.last_read_id),
            "version": marker.version,
            "updated_at": iso(marker.updated_at),
        }
        for marker in markers
    }


@bearer_required("read:statuses")
async def index(request: web.Request) -> web.StreamResponse:
    """The markers of the timelines named by timeline[] (none named: none, as Mastodon answers)."""
    named = set(request.query.getall("timeline[]", [])) | set(request.query.getall("timeline", []))
    markers = await markers_of(request[TOKEN].account, named)
    return web.json_response(render_markers(markers), headers=NO_STORE)


def _positions(params: dict[str, Any]) -> dict[str, int]:
    """home[last_read_id] and notifications[last_read_id], as form fields or as JSON objects."""
    positions = {}
    for timeline in TIMELINES:
        nested = params.get(timeline)
        raw = nested.get("last_read_id") if isinstance(nested, dict) else params.get(f"{timeline}[last_read_id]")
        if raw is not None:
            positions[timeline] = parse_last_read_id(timeline, raw)
    return positions


@bearer_required("write:statuses")
@refused_as_mastodon
async def save(request: web.Request) -> web.StreamResponse:
    token = request[TOKEN]
    positions = _positions(await read_params(request))
    if not positions:
        log.info("api: token %d saved no marker: neither home nor notifications named", token.id)
    markers = await save_markers(token.account, positions, now=request.app[CLOCK].now())
    return web.json_response(render_markers(markers), headers=NO_STORE)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/markers", index, name="api_markers")
    app.router.add_post("/api/v1/markers", save)
