"""Policy: domain rules for remote servers (block, silence, reject media, allowlist) as pure verdicts."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from circlefed.errors import BadRequest
from circlefed.netguard import normalize_host
from circlefed.policy.verdicts import ALLOW, Reject, Verdict

OPEN, ALLOWLIST, CLOSED = "open", "allowlist", "closed"
FEDERATION_MODES = (OPEN, ALLOWLIST, CLOSED)


@functools.lru_cache(maxsize=4096)
def normalize_domain(domain: str) -> str:
    """Canonical host[:port]: lowercase, trailing dot removed, IDN as punycode (attack 7)."""
    domain = domain.strip().lower()
    host, sep, port = domain.rpartition(":") if domain.count(":") == 1 else (domain, "", "")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise BadRequest(f"invalid domain {domain!r}") from exc
    host = normalize_host(host)
    return f"{host}:{port}" if sep and port else host


@dataclass(frozen=True)
class DomainPolicy:
    """The admin's federation mode plus one action per domain (already normalised)."""

    mode: str = OPEN
    rules: Mapping[str, str] = field(default_factory=dict)

    def action_for(self, domain: str) -> str | None:
        domain = normalize_domain(domain)
        if domain in self.rules:
            return self.rules[domain]
        host = domain.rsplit(":", 1)[0] if ":" in domain else domain
        # A rule for a domain covers its subdomains and every port on it.
        parts = host.split(".")
        for i in range(len(parts)):
            candidate = ".".join(parts[i:])
            if candidate in self.rules:
                return self.rules[candidate]
        return None


def inbound_verdict(policy: DomainPolicy, domain: str) -> Verdict:
    """May this domain send us activities or fetch from us at all?"""
    if policy.mode == CLOSED:
        return Reject("federation is closed on this instance")
    action = policy.action_for(domain)
    if action == "block":
        return Reject(f"domain {normalize_domain(domain)} is blocked")
    if policy.mode == ALLOWLIST and action not in {"allow", "silence", "reject_media"}:
        return Reject(f"domain {normalize_domain(domain)} is not on the allowlist")
    return ALLOW


def outbound_verdict(policy: DomainPolicy, domain: str) -> Verdict:
    """May we deliver to or fetch from this domain? The same rules as inbound."""
    return inbound_verdict(policy, domain)
