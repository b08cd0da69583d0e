"""Policy: the one gate every inbound activity and outbound destination passes (a facade over the policies)."""

from __future__ import annotations

from circlefed.policy.domains import DomainPolicy, inbound_verdict, outbound_verdict
from circlefed.policy.verdicts import Verdict


class Gate:
    """Holds the current policy inputs; callers ask it for verdicts and act on them."""

    def __init__(self, domains: DomainPolicy) -> None:
        self.domains = domains

    def origin(self, domain: str) -> Verdict:
        """Cheap check before anything is fetched or stored: may this domain talk to us?"""
        return inbound_verdict(self.domains, domain)

    def destination(self, domain: str) -> Verdict:
        return outbound_verdict(self.domains, domain)
