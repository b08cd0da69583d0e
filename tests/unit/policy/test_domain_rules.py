"""Domain rules: normalisation and verdicts of the federation gate (pure table tests)."""

import pytest

from circlefed.errors import BadRequest
from circlefed.policy.domains import (
    DomainPolicy,
    content_verdict,
    domain_label,
    fetch_verdict,
    inbound_verdict,
    media_verdict,
    normalize_domain,
    outbound_verdict,
)
from circlefed.policy.verdicts import Allow, Hold, Reject


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


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Clinic.Example:443", "clinic.example"),
        ("clinic.example:80", "clinic.example"),
        ("BÜCHER.example.:8443", "xn--bcher-kva.example:8443"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
def test_attack_7_default_ports_and_idn_spellings_name_one_domain(raw, canonical):
    # SPEC: PROTOCOL.md attack 7 (case, trailing dot, IDN, port)
    assert normalize_domain(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    ["", "https://evil.example/", "alice@evil.example", "evil example", "evil.example:0", "evil.example:99999",
     "evil.example:http", "evil..example", "-evil.example"],
)
def test_things_that_are_not_domains_are_refused_with_a_clear_error(raw):
    with pytest.raises(BadRequest):
        normalize_domain(raw)


@pytest.mark.parametrize(
    ("rules", "domain", "action"),
    [
        ({"evil.example": "block"}, "evil.example", "block"),
        ({"evil.example": "block"}, "a.b.evil.example", "block"),
        ({"evil.example": "block"}, "evil.example:8443", "block"),
        ({"evil.example": "block"}, "evil.example.org", None),
        ({"evil.example": "block"}, "xevil.example", None),
        ({"clinic.example:8443": "block"}, "clinic.example:8443", "block"),
        ({"clinic.example:8443": "block"}, "clinic.example", None),
        ({"clinic.example:8443": "block"}, "clinic.example:9000", None),
        ({"clinic.example:8443": "block"}, "sub.clinic.example:8443", None),
        # The most specific rule wins: a partner's subdomain can be treated apart from its parent.
        ({"example.org": "block", "partner.example.org": "allow"}, "partner.example.org", "allow"),
        ({"example.org": "block", "partner.example.org": "allow"}, "other.example.org", "block"),
        ({"xn--bcher-kva.example": "silence"}, "BÜCHER.example.", "silence"),
    ],
)
def test_a_rule_covers_its_subdomains_and_ports_but_a_port_rule_only_its_port(rules, domain, action):
    # SPEC: PROTOCOL.md attack 7
    assert DomainPolicy(rules=rules).action_for(domain) == action


@pytest.mark.parametrize(
    ("mode", "rules", "domain", "allowed"),
    [
        ("open", {}, "any.example", True),
        ("open", {"evil.example": "block"}, "sub.evil.example", False),
        ("open", {"media.example": "reject_media"}, "media.example", True),
        ("allowlist", {}, "any.example", False),
        ("allowlist", {"partner.example": "allow"}, "cdn.partner.example", True),
        ("allowlist", {"partner.example": "silence"}, "partner.example", True),
        ("allowlist", {"partner.example": "reject_media"}, "partner.example", True),
        ("closed", {}, "any.example", False),
    ],
)
def test_outbound_verdicts_follow_the_same_rules_as_inbound(mode, rules, domain, allowed):
    verdict = outbound_verdict(DomainPolicy(mode=mode, rules=rules), domain)
    assert isinstance(verdict, Allow if allowed else Reject)


PARTNER = {"partner.example": "allow", "evil.example": "block"}


@pytest.mark.parametrize(
    ("mode", "signer", "instance_actor", "discovery", "expected"),
    [
        ("open", None, False, False, Allow()),
        ("open", "stranger.example", False, False, Allow()),
        ("open", "evil.example", False, False, 403),
        ("allowlist", None, False, False, 401),
        ("allowlist", "stranger.example", False, False, 403),
        ("allowlist", "partner.example", False, False, Allow()),
        ("allowlist", None, True, False, Allow()),
        ("allowlist", None, False, True, Allow()),
        ("closed", None, False, False, 403),
        ("closed", "partner.example", False, False, 403),
        ("closed", None, False, True, 403),
        ("closed", None, True, False, Allow()),
    ],
)
def test_fetch_verdicts_by_mode_signer_and_path(mode, signer, instance_actor, discovery, expected):
    # SPEC: PROTOCOL.md attack 24 (the instance actor stays fetchable); issue 7 (allowlist refuses unsigned fetches)
    verdict = fetch_verdict(
        DomainPolicy(mode=mode, rules=PARTNER), signer, is_instance_actor=instance_actor, is_discovery=discovery
    )
    if isinstance(expected, int):
        assert isinstance(verdict, Reject) and verdict.status == expected
    else:
        assert verdict == expected


@pytest.mark.parametrize(
    ("rules", "domain", "content", "media"),
    [
        ({}, "any.example", Allow, Allow),
        ({"loud.example": "silence"}, "a.loud.example", Hold, Allow),
        ({"media.example": "reject_media"}, "media.example", Allow, Reject),
        ({"evil.example": "block"}, "evil.example", Allow, Reject),
    ],
)
def test_silenced_content_is_held_and_rejected_media_dropped(rules, domain, content, media):
    policy = DomainPolicy(rules=rules)
    assert isinstance(content_verdict(policy, domain), content)
    assert isinstance(media_verdict(policy, domain), media)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("xn--bcher-kva.example", "bücher.example (xn--bcher-kva.example)"),
        ("xn--bcher-kva.example:8443", "bücher.example:8443 (xn--bcher-kva.example:8443)"),
        ("evil.example", "evil.example"),
        ("xn--zz.example", "xn--zz.example"),  # not valid punycode: shown as stored
    ],
)
def test_an_idn_is_shown_in_unicode_beside_its_punycode(stored, shown):
    assert domain_label(stored) == shown
