"""Policy: domain rules for remote servers (block, silence, reject media, allowlist) as pure verdicts."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from circlefed.errors import BadRequest, UnsafeUrlError
from circlefed.netguard import normalize_host
from circlefed.policy.verdicts import ALLOW, Hold, Reject, Verdict

OPEN, ALLOWLIST, CLOSED = "open", "allowlist", "closed"
FEDERATION_MODES = (OPEN, ALLOWLIST, CLOSED)
ALLOW_RULE, BLOCK, SILENCE, REJECT_MEDIA = "allow", "block", "silence", "reject_media"
DOMAIN_ACTIONS = (ALLOW_RULE, BLOCK, SILENCE, REJECT_MEDIA)
# In allowlist mode a domain with any rule but block is listed: silencing or rejecting media of a partner
# still lets it federate.
LISTED_ACTIONS = frozenset({ALLOW_RULE, SILENCE, REJECT_MEDIA})
# A port that only repeats the scheme's default names the same server as no port at all.
DEFAULT_PORTS = frozenset({"80", "443"})


@functools.lru_cache(maxsize=4096)
def normalize_domain(domain: str) -> str:
    """Canonical host[:port]: lowercase, trailing dot removed, IDN as punycode, default port dropped (attack 7)."""
    domain = domain.strip().lower()
    if any(char in domain for char in "/@ "):
        raise BadRequest(f"{domain!r} is not a domain: give a host or host:port, e.g. other.example")
    host, sep, port = domain.rpartition(":") if domain.count(":") == 1 else (domain, "", "")
    if sep and not (port.isdigit() and port.isascii() and 0 < int(port) < 65536):
        raise BadRequest(f"invalid port in domain {domain!r}")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise BadRequest(f"invalid domain {domain!r}") from exc
    try:
        host = normalize_host(host)
    except UnsafeUrlError as exc:
        raise BadRequest(f"invalid domain {domain!r}: {exc}") from None
    return f"{host}:{port}" if sep and port not in DEFAULT_PORTS else host


def domain_label(domain: str) -> str:
    """How an admin reads a canonical domain: an IDN in Unicode beside the punycode stored and matched
    ("bücher.example (xn--bcher-kva.example)"); any other domain as it is."""
    host, sep, port = domain.rpartition(":") if domain.count(":") == 1 else (domain, "", "")
    if "xn--" not in host:
        return domain
    try:
        readable = host.encode("ascii").decode("idna")
    except UnicodeError:  # not valid punycode after all: show what is stored
        return domain
    return f"{readable}{sep}{port} ({domain})"


def check_mode(mode: str) -> str:
    if mode not in FEDERATION_MODES:
        raise BadRequest(f"invalid federation mode {mode!r}: use {', '.join(FEDERATION_MODES)}")
    return mode


def check_action(action: str) -> str:
    if action not in DOMAIN_ACTIONS:
        raise BadRequest(f"invalid domain action {action!r}: use {', '.join(DOMAIN_ACTIONS)}")
    return action


def covering_rules(domain: str) -> list[str]:
    """The rule keys that apply to a canonical domain, most specific first: itself, then each parent host.

    A rule for a host covers its subdomains and every port on it; a rule with a port covers only that port."""
    host = domain.rsplit(":", 1)[0] if ":" in domain else domain
    parts = host.split(".")
    parents = [".".join(parts[i:]) for i in range(len(parts))]
    return [domain, *(parent for parent in parents if parent != domain)]


@dataclass(frozen=True)
class DomainPolicy:
    """The admin's federation mode plus one action per domain (already normalised)."""

    mode: str = OPEN
    rules: Mapping[str, str] = field(default_factory=dict)

    def action_for(self, domain: str) -> str | None:
        for key in covering_rules(normalize_domain(domain)):
            if key in self.rules:
                return self.rules[key]
        return None


def inbound_verdict(policy: DomainPolicy, domain: str) -> Verdict:
    """May this domain send us activities or fetch from us at all?"""
    if policy.mode == CLOSED:
        return Reject("federation is closed on this instance")
    action = policy.action_for(domain)
    if action == BLOCK:
        return Reject(f"domain {normalize_domain(domain)} is blocked")
    if policy.mode == ALLOWLIST and action not in LISTED_ACTIONS:
        return Reject(f"domain {normalize_domain(domain)} is not on the allowlist")
    return ALLOW


def outbound_verdict(policy: DomainPolicy, domain: str) -> Verdict:
    """May we deliver to or fetch from this domain? The same rules as inbound."""
    return inbound_verdict(policy, domain)


def fetch_verdict(
    policy: DomainPolicy, signer_domain: str | None, *, is_instance_actor: bool, is_discovery: bool
) -> Verdict:
    """May this GET of an ActivityPub document be served? signer_domain is the keyId's domain (None: unsigned).

    The instance actor stays fetchable in every mode and discovery in every mode but closed, so that partners
    can verify our own signed requests (attack 24)."""
    if is_instance_actor:
        return ALLOW
    if policy.mode == CLOSED:
        return Reject("federation is closed on this instance")
    if is_discovery:
        return ALLOW
    if signer_domain is None:
        if policy.mode == ALLOWLIST:
            return Reject("this instance serves ActivityPub documents only to signed requests from listed domains", 401)
        return ALLOW
    return inbound_verdict(policy, signer_domain)


def content_verdict(policy: DomainPolicy, domain: str) -> Verdict:
    """What happens to content from an accepted domain: silenced domains' posts are held for review."""
    if policy.action_for(domain) == SILENCE:
        return Hold(f"domain {normalize_domain(domain)} is silenced: its content is held for review")
    return ALLOW


def media_verdict(policy: DomainPolicy, domain: str) -> Verdict:
    """May remote media (attachments, avatars) from this domain be stored? Applies once media is stored."""
    if policy.action_for(domain) in (BLOCK, REJECT_MEDIA):
        return Reject(f"media from {normalize_domain(domain)} is rejected")
    return inbound_verdict(policy, domain)
