"""Federation: resolving @name@domain handles to remote actors through WebFinger (RFC 7033)."""

from __future__ import annotations

import logging
from urllib.parse import quote

from circlefed.errors import BadRequest, CirclefedError, Forbidden
from circlefed.federation.wiring import FederationWiring
from circlefed.policy.verdicts import Reject
from circlefed.protocol.parse import authority
from circlefed.protocol.webfinger import JRD_CONTENT_TYPE, parse_jrd_self_link, parse_resource
from circlefed.storage.models import Actor

log = logging.getLogger(__name__)


def parse_handle(handle: str) -> tuple[str, str]:
    """(name, domain) of "@name@domain", "name@domain" or "acct:name@domain"; BadRequest otherwise."""
    text = handle.strip()
    text = text.removeprefix("acct:").removeprefix("@")
    resource = parse_resource(f"acct:{text}")
    if not resource.name or not resource.host:
        raise BadRequest(f"{handle!r} is not a handle like @circle@other.example")
    return resource.name, resource.host


async def resolve_handle(federation: FederationWiring, handle: str, *, refresh: bool = False) -> Actor:
    """The actor a handle names, verified to belong to the handle's domain (attack 18); `refresh`: its document
    fetched again even when a recent copy is stored."""
    name, domain = parse_handle(handle)
    subject = f"acct:{name}@{domain}"
    actor_uri = parse_jrd_self_link(await _webfinger(federation, domain, subject))
    if actor_uri is None:
        raise BadRequest(f"{domain} publishes no ActivityPub actor for @{name}@{domain}")
    actor = await federation.remote_actors.by_uri(actor_uri, refresh=refresh)
    if authority(actor.uri) != domain:
        # Split-domain setups are legitimate only when the actor's own server confirms the handle.
        confirmation = await _webfinger(federation, authority(actor.uri), actor.uri)
        if confirmation.get("subject") != subject:
            # SPEC: PROTOCOL.md attack 18 (WebFinger spoofing: a link to a foreign actor)
            log.info("refused a WebFinger answer of %s: the actor it names is not confirmed by its own server", domain)
            raise BadRequest(f"the WebFinger answer for @{name}@{domain} points to an actor on another server")
    elif actor.preferred_username.lower() != name.lower():
        raise BadRequest(f"the actor found for @{name}@{domain} calls itself {actor.preferred_username!r}")
    return actor


async def _webfinger(federation: FederationWiring, domain: str, resource: str) -> dict:
    verdict = await federation.domain_gate.destination(domain)
    if isinstance(verdict, Reject):
        log.info("not looking up %s at %s: %s", resource, domain, verdict.reason)
        raise Forbidden(f"not looking up {resource} at {domain}: {verdict.reason}")
    schemes = ("https", "http") if federation.allow_http else ("https",)
    last_error: CirclefedError | None = None
    for scheme in schemes:
        url = f"{scheme}://{domain}/.well-known/webfinger?resource={quote(resource, safe=':@/')}"
        try:
            response = await federation.client.get(url, headers={"Accept": JRD_CONTENT_TYPE})
        except CirclefedError as exc:
            last_error = exc
            continue
        if response.status == 200:
            document = response.json()
            if isinstance(document, dict):
                return document
        last_error = BadRequest(f"WebFinger at {domain} answered {response.status} for {resource}")
    raise BadRequest(f"could not look up {resource} at {domain}: {last_error}")
