"""Federation: fetching remote objects and collections from their origin (signed), validated before use."""

from __future__ import annotations

import logging

from circlefed.errors import FetchError
from circlefed.federation.inbound.context import Refused
from circlefed.federation.wiring import FederationWiring
from circlefed.policy.verdicts import Reject
from circlefed.protocol.parse import authority, is_http_url
from circlefed.protocol.remote_actor import is_activity_json

log = logging.getLogger(__name__)

GONE_STATUSES = frozenset({404, 410})


async def fetch_document(federation: FederationWiring, url: str) -> dict | None:
    """The AS2 document at `url` fetched from its own origin; None when it is gone (404, 410 or a Tombstone).

    SPEC: PROTOCOL.md attack 14: an object embedded by someone else is taken from its origin, never as embedded.
    Refused when the domain is blocked, the document is not AS2 or its id is not the URL asked for (attack 3);
    FetchError (retried later) when the origin cannot be reached."""
    if not is_http_url(url):
        raise Refused(f"{url[:200]!r} is not an http(s) URL")
    domain = authority(url)
    if domain == federation.site.domain:
        raise Refused("a local object cannot be fetched as a remote one")
    verdict = await federation.domain_gate.origin(domain)
    if isinstance(verdict, Reject):
        # SPEC: PROTOCOL.md attack 23: nothing from a blocked domain, even when a third party relays it
        raise Refused(f"{domain} is blocked: {verdict.reason}")
    response = await federation.fetch_as_instance(url)
    if response.status in GONE_STATUSES:
        return None
    if response.status != 200:
        raise FetchError(f"fetching {url} answered {response.status}")
    if not is_activity_json(response.headers.get("Content-Type", "")):
        raise Refused(f"{url} is not served as ActivityStreams JSON")
    document = response.json()
    if not isinstance(document, dict):
        raise Refused(f"{url} is not a JSON object")
    if document.get("id") != url:
        # SPEC: PROTOCOL.md attack 3: the fetched id must be the URL that was asked for
        raise Refused(f"the document at {url} calls itself {str(document.get('id'))[:200]!r}")
    if document.get("type") == "Tombstone":
        return None
    return document

