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
    assert isinstance(instance_verdict(policy, "other.example", "circlefed"), Reject)


def test_unknown_visibilities_fail_closed():
    assert outbound_audience("secret", [dest("partner.example")], TRUSTING).inboxes == ()


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
    assert not plan.is_public
    for inbox in plan.inboxes:
        chosen = [d for d in destinations if d.inbox_uri == inbox]
        assert any(
            d.has_approved_member
            and d.domain in policy.trusted_domains
            and (untrusted_software or d.software == "circlefed")
            for d in chosen
        )


def fresh(**fields) -> FetchFacts:
    defaults = {"signer_domain": "partner.example", "signed_at": NOW - timedelta(seconds=30), "software": "circlefed"}
    return FetchFacts(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("facts", "allowed"),
    [
        (fresh(signer_is_member=True), True),
        (fresh(signer_is_instance_actor=True, instance_has_member=True), True),
        (fresh(signer_is_instance_actor=True, instance_has_member=False), False),
        (fresh(instance_has_member=True), False),  # another person on a member's instance
        (fresh(signer_is_member=True, signer_domain="stranger.example"), False),  # member, but untrusted instance
        (fresh(signer_is_member=True, software="mastodon"), False),
        (fresh(signer_is_member=True, signed_at=NOW - timedelta(minutes=6)), False),  # replay window
        (fresh(signer_is_member=True, signed_at=NOW + timedelta(minutes=6)), False),
        (fresh(signer_is_member=True, signed_at=None), False),  # no Date or created covered
        (fresh(signer_domain=None, signer_is_member=True), False),
        (fresh(signer_is_local=True, signer_is_member=True, signer_domain="here.example"), True),
        (fresh(signer_is_local=True, signer_domain="here.example"), False),
        (fresh(signer_is_host=True, signer_domain="host.example"), True),
    ],
)
def test_members_content_is_served_only_to_fresh_signed_members(facts, allowed):
    # SPEC: PROTOCOL.md attack 15; every refusal is the same 404
    verdict = members_fetch_verdict(TRUSTING, facts, NOW)
    assert (verdict == ALLOW) is allowed
    if not allowed:
        assert verdict.status == 404


def test_is_follower_answers_only_about_the_askers_own_instance():
    # SPEC: PROTOCOL.md attack 17: no enumeration
    def verdict(asker, queried, *, itself=False, instance_actor=True):
        return is_follower_verdict(asker, queried, asks_about_itself=itself, asker_is_instance_actor=instance_actor)

    assert verdict("partner.example", "partner.example") == ALLOW
    assert verdict("partner.example", "partner.example", itself=True, instance_actor=False) == ALLOW
    assert isinstance(verdict("partner.example", "partner.example", instance_actor=False), Reject)  # a neighbour
    assert isinstance(verdict("partner.example", "other.example"), Reject)
    assert isinstance(verdict(None, "partner.example"), Reject)


@pytest.mark.parametrize(
    ("level", "by_admin", "choices", "allowed"),
    [
        (PUBLIC, True, (), True),
        (PUBLIC, False, (MEMBERS, LOCAL), False),
        (MEMBERS, False, (MEMBERS, LOCAL), True),
        (LOCAL, False, (MEMBERS,), False),
        ("secret", True, (), False),
    ],
)
def test_facilitators_choose_within_the_admins_limits(level, by_admin, choices, allowed):
    verdict = visibility_change_verdict(level, by_admin=by_admin, facilitator_choices=choices)
    assert (verdict == ALLOW) is allowed


def test_retention():
    assert is_expired(NOW - timedelta(days=30), 30, NOW)
    assert not is_expired(NOW - timedelta(days=29, hours=23), 30, NOW)
    assert not is_expired(NOW - timedelta(days=3000), None, NOW)
    assert check_retention_days(None) is None and check_retention_days(7) == 7
    for bad in (0, -1, 36501):
        with pytest.raises(BadRequest):
            check_retention_days(bad)
