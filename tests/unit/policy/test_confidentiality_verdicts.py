"""The confidentiality policy as a table: who receives a circle's activities, who may fetch, who may choose what."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circlefed.errors import BadRequest
from circlefed.policy.confidentiality import (
    LOCAL,
    MEMBERS,
    PUBLIC,
    ConfidentialityPolicy,
    Destination,
    FetchFacts,
    check_retention_days,
    instance_verdict,
    is_expired,
    is_follower_verdict,
    members_fetch_verdict,
    outbound_audience,
    visibility_change_verdict,
)
from circlefed.policy.verdicts import ALLOW, Reject

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
TRUSTING = ConfidentialityPolicy(trusted_domains=frozenset({"partner.example", "lemmy.example"}))


def dest(domain: str, software: str | None = "circlefed", member: bool = True, inbox: str | None = None):
    return Destination(inbox or f"https://{domain}/inbox", domain, software, member)


def test_public_circles_reach_every_destination_addressed_publicly():
    plan = outbound_audience(PUBLIC, [dest("a.example", None, False), dest("b.example", "mastodon")], TRUSTING)
    assert plan.is_public and plan.inboxes == ("https://a.example/inbox", "https://b.example/inbox")


def test_local_circles_reach_nobody():
    plan = outbound_audience(LOCAL, [dest("partner.example")], TRUSTING)
    assert not plan.is_public and plan.inboxes == ()
    assert plan.refused == (("partner.example", "a local circle never leaves this instance"),)


@pytest.mark.parametrize(
    ("destination", "reason"),
    [
        (dest("partner.example"), None),
        (dest("stranger.example"), "stranger.example is not a trusted instance"),
        (dest("partner.example", member=False), "partner.example has no approved member of the circle"),
        (dest("partner.example", software="mastodon"), "does not honour members-only circles"),
        (dest("partner.example", software="piefed"), "does not honour members-only circles"),
        (dest("partner.example", software=None), "not known yet"),
    ],
)
def test_members_circles_reach_only_trusted_member_instances_with_safe_software(destination, reason):
    plan = outbound_audience(MEMBERS, [destination], TRUSTING)
    assert not plan.is_public
    if reason is None:
        assert plan.inboxes == (destination.inbox_uri,)
    else:
        assert plan.inboxes == () and reason in plan.refused[0][1]


def test_the_admin_may_allow_untrusted_software_but_never_untrusted_instances():
    policy = ConfidentialityPolicy(trusted_domains=frozenset({"partner.example"}), members_to_untrusted_software=True)
    assert instance_verdict(policy, "partner.example", "mastodon") == ALLOW
    assert instance_verdict(policy, "partner.example", None) == ALLOW
    untrusted = Reject("other.example is not a trusted instance", 404)
    assert instance_verdict(policy, "other.example", "circlefed") == untrusted


def test_unknown_visibilities_fail_closed():
    assert outbound_audience(MEMBERS, [dest("partner.example")], TRUSTING).inboxes == ("https://partner.example/inbox",)
    plan = outbound_audience("secret", [dest("partner.example")], TRUSTING)
    assert plan.inboxes == () and plan.refused == (("partner.example", "a local circle never leaves this instance"),)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["partner.example", "lemmy.example", "evil.example", "other.example"]),
            st.sampled_from([None, "circlefed", "mastodon", "nodebb", "mbin", "piefed", "lemmy"]),
            st.booleans(),
        ),
        max_size=8,
    ),
    st.booleans(),
)
def test_members_audience_never_includes_a_refused_instance(rows, untrusted_software):
    # SPEC: PROTOCOL.md confidential circles (property: every inbox chosen passes every rule)
    policy = ConfidentialityPolicy(
        trusted_domains=TRUSTING.trusted_domains, members_to_untrusted_software=untrusted_software
    )
    destinations = [dest(domain, software, member) for domain, software, member in rows]
    plan = outbound_audience(MEMBERS, destinations, policy)

    def allowed(d: Destination) -> bool:
        return d.has_approved_member and d.domain in policy.trusted_domains and (
            untrusted_software or d.software == "circlefed"
        )

    assert not plan.is_public
    for inbox in plan.inboxes:
        assert any(allowed(d) for d in destinations if d.inbox_uri == inbox)
    # and the other half: every destination that passes every rule is chosen, once; every other one is refused
    assert plan.inboxes == tuple(dict.fromkeys(d.inbox_uri for d in destinations if allowed(d)))
    assert {domain for domain, _ in plan.refused} == {d.domain for d in destinations if not allowed(d)}


def fresh(**fields) -> FetchFacts:
    defaults = {"signer_domain": "partner.example", "signed_at": NOW - timedelta(seconds=30), "software": "circlefed"}
    return FetchFacts(**{**defaults, **fields})


NOT_FRESH = "the signature has no time within the member-only replay window"
NO_MEMBER = "no approved member signed (from partner.example)"


@pytest.mark.parametrize(
    ("facts", "refusal"),  # refusal: None when allowed, else the reason
    [
        (fresh(signer_is_member=True), None),
        (fresh(signer_is_instance_actor=True, instance_has_member=True), None),
        (fresh(signer_is_instance_actor=True, instance_has_member=False), NO_MEMBER),
        (fresh(instance_has_member=True), NO_MEMBER),  # another person on a member's instance
        (fresh(signer_is_member=True, signer_domain="stranger.example"), "stranger.example is not a trusted instance"),
        (fresh(signer_is_member=True, software="mastodon"), "which does not honour members-only circles"),
        (fresh(signer_is_member=True, signed_at=NOW - timedelta(minutes=6)), NOT_FRESH),  # replay window
        (fresh(signer_is_member=True, signed_at=NOW + timedelta(minutes=6)), NOT_FRESH),
        (fresh(signer_is_member=True, signed_at=None), NOT_FRESH),  # no Date or created covered
        (fresh(signer_domain=None, signer_is_member=True), "unsigned request"),
        (fresh(signer_is_local=True, signer_is_member=True, signer_domain="here.example"), None),
        (fresh(signer_is_local=True, signer_domain="here.example"), "a local non-member"),
        (fresh(signer_is_host=True, signer_domain="host.example"), None),
    ],
)
def test_members_content_is_served_only_to_fresh_signed_members(facts, refusal):
    # SPEC: PROTOCOL.md attack 15; every refusal is the same 404
    verdict = members_fetch_verdict(TRUSTING, facts, NOW)
    if refusal is None:
        assert verdict == ALLOW
    else:
        assert isinstance(verdict, Reject) and verdict.status == 404 and refusal in verdict.reason, verdict


def test_is_follower_answers_only_about_the_askers_own_instance():
    # SPEC: PROTOCOL.md attack 17: no enumeration
    def verdict(asker, queried, *, itself=False, instance_actor=True):
        return is_follower_verdict(asker, queried, asks_about_itself=itself, asker_is_instance_actor=instance_actor)

    assert verdict("partner.example", "partner.example") == ALLOW
    assert verdict("partner.example", "partner.example", itself=True, instance_actor=False) == ALLOW
    neighbour = verdict("partner.example", "partner.example", instance_actor=False)
    assert neighbour == Reject("asked about someone else on its instance", 404)
    assert verdict("partner.example", "other.example") == Reject("asked about an actor of another instance", 404)
    assert verdict(None, "partner.example") == Reject("unsigned request", 404)


@pytest.mark.parametrize(
    ("level", "by_admin", "choices", "refusal"),  # refusal: None when allowed, else (reason, status)
    [
        (PUBLIC, True, (), None),
        (PUBLIC, False, (MEMBERS, LOCAL), ("facilitators may not make a circle public: ask an admin", 403)),
        (MEMBERS, False, (MEMBERS, LOCAL), None),
        (LOCAL, False, (MEMBERS,), ("facilitators may not make a circle local: ask an admin", 403)),
        ("secret", True, (), ("invalid visibility 'secret': choose public, members, local", 400)),
    ],
)
def test_facilitators_choose_within_the_admins_limits(level, by_admin, choices, refusal):
    verdict = visibility_change_verdict(level, by_admin=by_admin, facilitator_choices=choices)
    if refusal is None:
        assert verdict == ALLOW
    else:
        reason, status = refusal
        assert isinstance(verdict, Reject) and verdict.reason.startswith(reason) and verdict.status == status


def test_retention():
    assert is_expired(NOW - timedelta(days=30), 30, NOW)
    assert not is_expired(NOW - timedelta(days=29, hours=23), 30, NOW)
    assert not is_expired(NOW - timedelta(days=3000), None, NOW)
    assert check_retention_days(None) is None and check_retention_days(7) == 7
    for bad in (0, -1, 36501):
        with pytest.raises(BadRequest, match="retention must be between 1 and 36500 days, or none"):
            check_retention_days(bad)
