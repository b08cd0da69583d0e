"""Web: authorized fetch: GETs of ActivityPub documents are verified when signed and required when configured."""

from __future__ import annotations

import logging
from datetime import datetime

from aiohttp import web

from circlefed.errors import Forbidden, SignatureError
from circlefed.federation.confidential import ANONYMOUS, Viewer
from circlefed.federation.inbound.verify import VerifiedRequest
from circlefed.policy.verdicts import Reject, Verdict
from circlefed.protocol.parse import authority, is_http_url
from circlefed.storage.models import Actor
from circlefed.web.keys import CLOCK, FEDERATION, SETTINGS
from circlefed.web.negotiation import wants_activity_json

log = logging.getLogger(__name__)

SIGNER = web.RequestKey("signer", Actor)
SIGNED_AT = web.RequestKey("signed_at", datetime)
SIGNATURE_HEADERS = ("Signature", "Signature-Input", "Authorization")
# Always fetchable unsigned: discovery, and the instance actor whose key a peer needs to verify our own
# signed fetches (two authorized-fetch servers would otherwise deadlock; PROTOCOL.md attack 24). In closed
# federation mode only the instance actor is (policy/domains.py fetch_verdict).
UNSIGNED_PATHS = ("/actor", "/.well-known/", "/nodeinfo/")


def signer_of(request: web.Request) -> Actor | None:
    """The remote actor whose valid signature came with this request, if any."""
    return request.get(SIGNER)


def viewer_of(request: web.Request) -> Viewer:
    """Who reads: the verified signer and when it signed (members content needs a fresh signature), or nobody."""
    signer = signer_of(request)
    if signer is None:
        return ANONYMOUS
    return Viewer(signer=signer, signed_at=request.get(SIGNED_AT), now=request.app[CLOCK].now())


# Read with a member's Bearer token (web/c2s_collections.py), never with a server's signature: an app's
# `Authorization: Bearer` is no signature, and these routes answer nothing without a valid token.
BEARER_ROUTES = frozenset({"member_outbox", "member_inbox_read"})


@web.middleware
async def authorized_fetch(request: web.Request, handler):
    bearer_route = request.match_info.route.name in BEARER_ROUTES
    if request.method in ("GET", "HEAD") and wants_activity_json(request) and not bearer_route:
        await _check_fetch(request)
    return await handler(request)


async def _check_fetch(request: web.Request) -> None:
    """The gate's verdict on an AS2 GET (federation mode, domain rules), then the signature when there is one."""
    is_instance_actor = request.path == UNSIGNED_PATHS[0]
    is_discovery = request.path.startswith(UNSIGNED_PATHS[1:])
    signed = any(name in request.headers for name in SIGNATURE_HEADERS)
    if is_instance_actor or is_discovery or not signed:
        gate = request.app[FEDERATION].domain_gate
        _refuse_if_rejected(
            request, await gate.fetch(None, is_instance_actor=is_instance_actor, is_discovery=is_discovery)
        )
        if not (is_instance_actor or is_discovery) and request.app[SETTINGS].federation.authorized_fetch:
            raise SignatureError("this server requires signed requests for ActivityPub documents")
        return
    verified = await _verify(request)
    request[SIGNER] = verified.signer
    signed_at = verified.signed.created or verified.signed.date
    if signed_at is not None:
        request[SIGNED_AT] = signed_at


def _refuse_if_rejected(request: web.Request, verdict: Verdict) -> None:
    if isinstance(verdict, Reject):
        log.info("refused fetch of %s from %s: %s", request.path, request.remote, verdict.reason)
        raise SignatureError(verdict.reason) if verdict.status == 401 else Forbidden(verdict.reason)


async def _verify(request: web.Request) -> VerifiedRequest:
    verifier = request.app[FEDERATION].verifier
    headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers)
    signed = verifier.parse(method=request.method, path_qs=request.raw_path, headers=headers, body=None)
    if not is_http_url(signed.key_id):
        raise SignatureError("the keyId is not an http(s) URL")
    verdict = await request.app[FEDERATION].domain_gate.fetch(
        authority(signed.key_id), is_instance_actor=False, is_discovery=False
    )
    _refuse_if_rejected(request, verdict)
    verified = await verifier.verify(signed)
    # No replay cache for GETs (POSTs keep theirs, web/inbox.py): a draft-cavage signature has no nonce, so one
    # peer fetching one URL twice within a second sends byte-identical signatures; Fedify does so on every
    # double-knock and Announce refetch. A repeated GET only rereads what its signer may read (PROTOCOL.md 13);
    # members content narrows the window to minutes (federation/confidential.py).
    return verified
