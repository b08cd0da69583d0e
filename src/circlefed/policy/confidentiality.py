"""Policy: confidential circles as pure verdicts: audience, member-only fetch, visibility choices, retention."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from circlefed.errors import BadRequest
from circlefed.policy.verdicts import ALLOW, Reject, Verdict

PUBLIC, MEMBERS, LOCAL = "public", "members", "local"
VISIBILITIES = (PUBLIC, MEMBERS, LOCAL)
# What facilitators may choose unless the admin's settings say otherwise: more private, never public.
DEFAULT_FACILITATOR_VISIBILITIES = (MEMBERS, LOCAL)
# Software known to honour members-only addressing and member-only signed fetch. Everything else (Mastodon,
# NodeBB, PieFed, Mbin, and software whose NodeInfo could not be read) may show what it receives to people
# outside the circle: members circles reach it only when the admin allows untrusted software outright.
PRIVACY_HONOURING_SOFTWARE = frozenset({"circlefed"})
# PROTOCOL.md allows a signed GET to be an hour old; a member-only GET narrows the replay window to this.
MEMBER_FETCH_MAX_AGE = timedelta(minutes=5)
MEMBER_FETCH_MAX_FUTURE = timedelta(minutes=5)
# The one refusal of every confidential fetch: the same 404 whatever the reason (attack 21).
HIDDEN = 404


@dataclass(frozen=True)
class ConfidentialityPolicy:
    """The admin's confidentiality knobs (InstancePolicy and TrustedInstance rows), domains canonical."""

    trusted_domains: frozenset[str] = field(default_factory=frozenset)
    share_real_names: bool = False
    members_to_untrusted_software: bool = False


@dataclass(frozen=True)
class Destination:
    """One inbox a circle's activity could go to, with what we know of its instance."""

    inbox_uri: str
    domain: str
    software: str | None  # NodeInfo software.name, lowercase; None while unknown
    has_approved_member: bool  # the instance hosts an approved member of the circle


@dataclass(frozen=True)
class AudiencePlan:
    """Where a circle's activity goes: addressing (Public or not) and the inboxes; refused: (domain, why)."""

    is_public: bool
    inboxes: tuple[str, ...]
    refused: tuple[tuple[str, str], ...] = ()


def instance_verdict(policy: ConfidentialityPolicy, domain: str, software: str | None) -> Verdict:
    """May members-circle content reach (or be fetched by) this instance at all: trusted, and running software
    that honours privacy unless the admin allows any."""
    if domain not in policy.trusted_domains:
        return Reject(f"{domain} is not a trusted instance", HIDDEN)
    if policy.members_to_untrusted_software:
        return ALLOW
    if software is None:
        return Reject(f"the software of {domain} is not known yet (NodeInfo not read)", HIDDEN)
    if software.lower() not in PRIVACY_HONOURING_SOFTWARE:
        return Reject(f"{domain} runs {software[:40]}, which does not honour members-only circles", HIDDEN)
    return ALLOW


def outbound_audience(
    visibility: str, destinations: Iterable[Destination], policy: ConfidentialityPolicy
) -> AudiencePlan:
    """SPEC: PROTOCOL.md confidential circles: THE audience of every activity of a circle.

    public: every destination, addressed to Public. local: nothing leaves the instance. members: no Public,
    the followers collection only, and only inboxes of trusted instances with an approved member of the circle,
    running software the policy allows. Unknown visibilities are treated as local (fail closed)."""
    destinations = list(destinations)
    if visibility == PUBLIC:
        return AudiencePlan(is_public=True, inboxes=tuple(dict.fromkeys(d.inbox_uri for d in destinations)))
    if visibility != MEMBERS:
        refused = {d.domain: "a local circle never leaves this instance" for d in destinations}
        return AudiencePlan(is_public=False, inboxes=(), refused=tuple(refused.items()))
    inboxes: list[str] = []
    refused: dict[str, str] = {}
    for destination in destinations:
        verdict = instance_verdict(policy, destination.domain, destination.software)
        if not destination.has_approved_member:
            verdict = Reject(f"{destination.domain} has no approved member of the circle", HIDDEN)
        if isinstance(verdict, Reject):
            refused.setdefault(destination.domain, verdict.reason)
        elif destination.inbox_uri not in inboxes:
            inboxes.append(destination.inbox_uri)
    return AudiencePlan(is_public=False, inboxes=tuple(inboxes), refused=tuple(refused.items()))


@dataclass(frozen=True)
class FetchFacts:
    """What the web room learnt about a GET of members-circle content (signature already verified)."""

    signer_domain: str | None  # None: unsigned
    signed_at: datetime | None  # the signature's Date or created; None when it covers neither
    signer_is_local: bool = False
    signer_is_member: bool = False  # the signing actor is an approved member of the circle
    signer_is_instance_actor: bool = False
    instance_has_member: bool = False  # the signer's instance hosts an approved member
    software: str | None = None
    signer_is_host: bool = False  # a remote circle's own Group or host instance (it holds everything anyway)


def members_fetch_verdict(policy: ConfidentialityPolicy, facts: FetchFacts, now: datetime) -> Verdict:
    """SPEC: PROTOCOL.md attack 15: members content only for a signed, fresh request from an approved member
    (or the instance actor of an instance with one) that the policy would also deliver to; 404 otherwise."""
    if facts.signer_domain is None:
        return Reject("unsigned request", HIDDEN)
    if not is_fresh(facts.signed_at, now):
        return Reject("the signature has no time within the member-only replay window", HIDDEN)
    if facts.signer_is_host:
        return ALLOW
    if facts.signer_is_local:
        return ALLOW if facts.signer_is_member else Reject("a local non-member", HIDDEN)
    if not (facts.signer_is_member or (facts.signer_is_instance_actor and facts.instance_has_member)):
        return Reject(f"no approved member signed (from {facts.signer_domain})", HIDDEN)
    return instance_verdict(policy, facts.signer_domain, facts.software)


def is_fresh(signed_at: datetime | None, now: datetime) -> bool:
    """A signature time (Date or created) within the member-only window; None (neither covered) is not."""
    if signed_at is None:
        return False
    return now - MEMBER_FETCH_MAX_AGE <= signed_at <= now + MEMBER_FETCH_MAX_FUTURE


def is_follower_verdict(
    asker_domain: str | None, queried_domain: str | None, *, asks_about_itself: bool, asker_is_instance_actor: bool
) -> Verdict:
    """`GET <followers>?is_follower=<actor>`: answered only to a signed peer about an actor of its own instance,
    asked by that actor itself or by its instance actor (not by another person on the same instance), so that
    nobody can enumerate who belongs to a circle."""
    if asker_domain is None:
        return Reject("unsigned request", HIDDEN)
    if queried_domain != asker_domain:
        return Reject("asked about an actor of another instance", HIDDEN)
    if not (asks_about_itself or asker_is_instance_actor):
        return Reject("asked about someone else on its instance", HIDDEN)
    return ALLOW


def visibility_change_verdict(new: str, *, by_admin: bool, facilitator_choices: Iterable[str]) -> Verdict:
    """Admins choose any level; facilitators only those the admin's settings allow."""
    if new not in VISIBILITIES:
        return Reject(f"invalid visibility {new!r}: choose {', '.join(VISIBILITIES)}", 400)
    if by_admin or new in set(facilitator_choices):
        return ALLOW
    return Reject(f"facilitators may not make a circle {new}: ask an admin of this instance")


def is_expired(published_at: datetime, retention_days: int | None, now: datetime) -> bool:
    """A post older than its circle's retention period (None: kept until deleted)."""
    return retention_days is not None and published_at <= now - timedelta(days=retention_days)


def retention_cutoff(retention_days: int | None, now: datetime) -> datetime | None:
    return None if retention_days is None else now - timedelta(days=retention_days)


def check_retention_days(days: int | None) -> int | None:
    """1 to 36500 days, or None (keep)."""
    if days is not None and not 1 <= days <= 36500:
        raise BadRequest("retention must be between 1 and 36500 days, or none")
    return days
