"""Policy: the one gate every inbound activity and outbound destination passes (a facade over the policies)."""

from __future__ import annotations

from circlefed.policy.domains import (
    DomainPolicy,
    content_verdict,
    fetch_verdict,
    inbound_verdict,
    media_verdict,
    outbound_verdict,
)
from circlefed.policy.verdicts import Verdict


class Gate:
    """Holds the current policy inputs; callers ask it for verdicts and act on them."""

    def __init__(self, domains: DomainPolicy) -> None:
        self.domains = domains

    def origin(self, domain: str) -> Verdict:
        """Cheap check before anything is fetched or stored: may this domain talk to us?"""
        return inbound_verdict(self.domains, domain)

    def destination(self, domain: str) -> Verdict:
        """May we deliver to or fetch from this domain?"""
        return outbound_verdict(self.domains, domain)

    def fetch(self, signer_domain: str | None, *, is_instance_actor: bool, is_discovery: bool) -> Verdict:
        """May a GET of an ActivityPub document (signed by signer_domain, or unsigned) be served?"""
        return fetch_verdict(
            self.domains, signer_domain, is_instance_actor=is_instance_actor, is_discovery=is_discovery
        )

    def content(self, domain: str) -> Verdict:
        """Allow, or Hold for review (silenced domains)."""
        return content_verdict(self.domains, domain)

    def media(self, domain: str) -> Verdict:
        """May media from this domain be stored (reject_media)?"""
        return media_verdict(self.domains, domain)
