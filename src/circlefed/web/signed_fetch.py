"""Web: authorized fetch: GETs of ActivityPub documents are verified when signed and required when configured."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.errors import Forbidden, SignatureError
from circlefed.policy.verdicts import Reject
from circlefed.protocol.parse import authority, is_http_url
from circlefed.storage.models import Actor
from circlefed.web.keys import FEDERATION, SETTINGS
from circlefed.web.negotiation import wants_activity_json

log = logging.getLogger(__name__)

SIGNER = web.RequestKey("signer", Actor)
SIGNATURE_HEADERS = ("Signature", "Signature-Input", "Authorization")
# Always fetchable unsigned: discovery, and the instance actor whose key a peer needs to verify our own
# signed fetches (two authorized-fetch servers would otherwise deadlock; PROTOCOL.md attack 24).
UNSIGNED_PATHS = ("/actor", "/.well-known/", "/nodeinfo/")


def signer_of(request: web.Request) -> Actor | None:
    """The remote actor whose valid signature came with this request, if any."""
    return request.get(SIGNER)


@web.middleware
async def authorized_fetch(request: web.Request, handler):
    if request.method in ("GET", "HEAD") and wants_activity_json(request) and not _exempt(request.path):
        signed = any(name in request.headers for name in SIGNATURE_HEADERS)
        if signed:
            request[SIGNER] = await _verify(request)
        elif request.app[SETTINGS].federation.authorized_fetch:
            raise SignatureError("this server requires signed requests for ActivityPub documents")
    return await handler(request)


def _exempt(path: str) -> bool:
    return path == UNSIGNED_PATHS[0] or path.startswith(UNSIGNED_PATHS[1:])


async def _verify(request: web.Request) -> Actor:
    verifier = request.app[FEDERATION].verifier
    headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers)
    signed = verifier.parse(method=request.method, path_qs=request.raw_path, headers=headers, body=None)
    if not is_http_url(signed.key_id):
        raise SignatureError("the keyId is not an http(s) URL")
    verdict = await request.app[FEDERATION].domain_gate.origin(authority(signed.key_id))
    if isinstance(verdict, Reject):
        log.info("refused signed fetch of %s: %s", request.path, verdict.reason)
        raise Forbidden(verdict.reason)
    verified = await verifier.verify(signed)
    await verifier.remember(signed)
    return verified.signer
