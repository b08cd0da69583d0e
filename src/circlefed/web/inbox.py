"""Web: the shared and per-actor inboxes: size cap, then the federation inbound pipeline, then 202."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from circlefed.errors import CirclefedError, NotFound, PayloadTooLarge
from circlefed.federation.inbound.receive import InboundRequest
from circlefed.storage.models import Actor, Circle, Membership, Visibility
from circlefed.web.keys import FEDERATION, METRICS, SETTINGS

log = logging.getLogger(__name__)

BODY_TIMEOUT_SECONDS = 10.0


async def read_body(request: web.Request) -> bytes:
    """The whole body, refusing oversized (413) and trickling (408) requests before parsing anything."""
    limit = request.app[SETTINGS].web.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    if request.content.is_eof():  # the whole body came with the headers: nothing to wait for
        return await request.read()
    try:
        async with asyncio.timeout(BODY_TIMEOUT_SECONDS):
            return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes") from None
    except TimeoutError:
        # SPEC: PROTOCOL.md attack 11: a slow body cannot hold a connection open indefinitely
        raise CirclefedError("the body took too long to arrive", status=408) from None


def header_lines(request: web.Request) -> tuple[tuple[str, str], ...]:
    """Headers as received, repeats kept, so that duplicated signature headers can be refused."""
    return tuple([(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.raw_headers])


async def shared_inbox(request: web.Request) -> web.Response:
    return await _accept(request)


async def actor_inbox(request: web.Request) -> web.Response:
    return await _accept(request, local_only=await _require_inbox_owner(request))


async def _require_inbox_owner(request: web.Request) -> Circle | None:
    """Per-actor inboxes exist for local members, the instance actor and circles; a `local` circle's (returned)
    takes deliveries from its own members only: someone who joined while it was open must be able to leave."""
    if "slug" in request.match_info:
        circle = await Circle.get_or_none(slug=request.match_info["slug"], is_local=True)
        if circle is None:
            raise NotFound()
        return circle if circle.visibility is Visibility.LOCAL else None
    name = request.match_info.get("name", "actor")
    if not await Actor.exists(local_name=name, is_local=True, type__in=("Person", "Application")):
        raise NotFound()
    return None


def _its_members(circle: Circle):
    async def admit(signer: Actor) -> bool:
        return await Membership.exists(circle_id=circle.id, actor_id=signer.id)

    return admit


async def _accept(request: web.Request, *, local_only: Circle | None = None) -> web.Response:
    body = await read_body(request)
    inbound = InboundRequest(
        method=request.method, path_qs=request.raw_path, headers=header_lines(request), body=body
    )
    admit = _its_members(local_only) if local_only is not None else None
    try:
        accepted = await request.app[FEDERATION].inbound.accept(inbound, admit=admit)
    except CirclefedError as exc:
        log.info("inbox refused %s from %s: %s (%s)", request.path, request.remote, exc.status, exc)
        request.app[METRICS].count_inbox(_scheme_of(inbound.headers), f"refused_{exc.status}")
        if local_only is not None:
            # To anyone else, the inbox of a local circle answers as a missing one, whatever was wrong.
            raise NotFound() from None
        raise
    request.app[METRICS].count_inbox(accepted.scheme, "duplicate" if accepted.is_duplicate else "stored")
    log.debug("inbox accepted %s (duplicate=%s)", accepted.activity_id, accepted.is_duplicate)
    return web.Response(status=202)


def _scheme_of(headers: tuple[tuple[str, str], ...]) -> str:
    names = {name.lower() for name, _ in headers}
    return "rfc9421" if "signature-input" in names else "cavage" if "signature" in names else "unsigned"


def add_routes(app: web.Application) -> None:
    app.router.add_post("/inbox", shared_inbox, name="shared_inbox")
    app.router.add_post("/actor/inbox", actor_inbox, name="instance_actor_inbox")
    app.router.add_post("/u/{name}/inbox", actor_inbox, name="member_inbox")
    app.router.add_post("/c/{slug}/inbox", actor_inbox, name="circle_inbox")
