"""Federation: the services of one instance, built once by app.py from its settings and resources."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from circlefed.clock import Clock
from circlefed.delivery.signed_http import SignedHttp
from circlefed.domain.actors import instance_actor
from circlefed.domain.site import Site
from circlefed.errors import Forbidden
from circlefed.federation.caches import Throttled
from circlefed.federation.domain_gate import DomainGate
from circlefed.federation.inbound.receive import Inbound
from circlefed.federation.inbound.verify import Verifier
from circlefed.federation.remote.instance_info import InstanceInfo
from circlefed.federation.remote.remote_actors import RemoteActors
from circlefed.http_client import HttpResponse, SafeHttpClient
from circlefed.policy.verdicts import Reject
from circlefed.protocol.parse import authority

log = logging.getLogger(__name__)

FETCH_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@dataclass(frozen=True)
class FederationWiring:
    site: Site
    client: SafeHttpClient
    signed_http: SignedHttp
    clock: Clock
    allow_http: bool
    domain_gate: DomainGate
    remote_actors: RemoteActors
    verifier: Verifier
    inbound: Inbound

    async def fetch_as_instance(self, url: str) -> HttpResponse:
        """A GET signed by the instance actor (cavage first, RFC 9421 after a 401): what authorized-fetch
        servers require (attack 24). Nothing is fetched from a domain the policy refuses."""
        verdict = await self.domain_gate.destination(authority(url))
        if isinstance(verdict, Reject):
            log.info("not fetching %s: %s", url, verdict.reason)
            raise Forbidden(f"not fetching from {authority(url)}: {verdict.reason}")
        actor = await instance_actor(self.site.uris, self.site.domain, self.site.name)
        return await self.signed_http.get(
            url, key_id=actor.public_key_id, private_key_pem=actor.private_key_pem, accept=FETCH_ACCEPT
        )


def build_federation(
    site: Site,
    client: SafeHttpClient,
    clock: Clock,
    *,
    url_scheme: str,
    allow_http: bool,
    on_valid_sender: Callable[[str], Awaitable[None]],
    new_keys_per_minute: int = 600,
) -> FederationWiring:
    holder: dict[str, FederationWiring] = {}

    async def fetch(url: str) -> HttpResponse:
        return await holder["federation"].fetch_as_instance(url)

    domain_gate = DomainGate(clock)
    instance_info = InstanceInfo(fetch, clock)
    remote_actors = RemoteActors(
        fetch, clock, domain_gate.origin, local_domain=site.domain, on_instance=instance_info.ensure_software,
        new_keys_per_minute=new_keys_per_minute,
    )
    verifier = Verifier(remote_actors, clock, expected_host=site.domain, url_scheme=url_scheme)
    # A valid request proves the sender is up; resetting its delivery backoff once a minute is enough.
    inbound = Inbound(
        verifier, domain_gate.origin, clock, Throttled(on_valid_sender, clock, 60.0), limiter=site.safety.inbound,
        byte_limiter=site.safety.inbound_bytes,
    )
    federation = FederationWiring(
        site, client, SignedHttp(client, clock), clock, allow_http, domain_gate, remote_actors, verifier, inbound
    )
    holder["federation"] = federation
    return federation
