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

MEMO_SIZE = 10_000


class Gate:
    """Holds the current policy inputs; callers ask it for verdicts and act on them."""

    def __init__(self, domains: DomainPolicy) -> None:
        self.domains = domains
        self._origin_verdicts: dict[str, Verdict] = {}

    def origin(self, domain: str) -> Verdict:
        """Cheap check before anything is fetched or stored: may this domain talk to us?"""
        # Asked on every inbox POST, mostly about the same few domains: the policy is fixed for this Gate's life.
        verdict = self._origin_verdicts.get(domain)
        if verdict is None:
            verdict = inbound_verdict(self.domains, domain)
            if len(self._origin_verdicts) < MEMO_SIZE:
                self._origin_verdicts[domain] = verdict
        return verdict

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
