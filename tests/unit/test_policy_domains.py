"""Domain rules: normalisation and verdicts of the federation gate (pure table tests)."""

import pytest

from circlefed.policy.domains import DomainPolicy, inbound_verdict, normalize_domain
from circlefed.policy.verdicts import Allow, Reject


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Evil.Example", "evil.example"),
        ("evil.example.", "evil.example"),
        (" EVIL.example. ", "evil.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("Clinic.Example:8443", "clinic.example:8443"),
        ("127.0.0.1:8080", "127.0.0.1:8080"),
    ],
)
def test_attack_7_domains_are_compared_in_one_canonical_form(raw, canonical):
    # SPEC: PROTOCOL.md attack 7 (case, trailing dot, IDN, port)
    assert normalize_domain(raw) == canonical


@pytest.mark.parametrize(
    ("mode", "rules", "domain", "allowed"),
    [
        ("open", {}, "any.example", True),
        ("open", {"evil.example": "block"}, "EVIL.example.", False),
        ("open", {"evil.example": "block"}, "sub.evil.example:8443", False),
        ("open", {"evil.example": "block"}, "notevil.example", True),
        ("open", {"loud.example": "silence"}, "loud.example", True),
        ("allowlist", {"partner.example": "allow"}, "partner.example", True),
        ("allowlist", {"partner.example": "allow"}, "stranger.example", False),
        ("allowlist", {"partner.example": "block"}, "partner.example", False),
        ("closed", {"partner.example": "allow"}, "partner.example", False),
    ],
)
def test_inbound_verdicts(mode, rules, domain, allowed):
    verdict = inbound_verdict(DomainPolicy(mode=mode, rules=rules), domain)
    assert isinstance(verdict, Allow if allowed else Reject)
