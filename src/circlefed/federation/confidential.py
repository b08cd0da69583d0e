"""Federation: the confidentiality policy at every exit: who receives a circle's activities, who may read it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from circlefed.delivery.outbox import domain_of
from circlefed.domain.confidentiality import load_confidentiality_policy
from circlefed.domain.read_rule import ReaderLevel, narrowest, readable_audiences
from circlefed.errors import BadRequest
from circlefed.policy.confidentiality import (
    AudiencePlan,
    ConfidentialityPolicy,
    Destination,
    FetchFacts,
    instance_verdict,
    members_fetch_verdict,
    outbound_audience,
)
from circlefed.policy.domains import normalize_domain
from circlefed.policy.verdicts import Reject
from circlefed.protocol.parse import authority
from circlefed.storage.models import Actor, Circle, Instance, Membership, MembershipState, OutboxActivity, Visibility

log = logging.getLogger(__name__)
INSTANCE_ACTOR_TYPES = frozenset({"Application", "Service"})


@dataclass(frozen=True)
class Viewer:
    """Who is asking: the verified signer of the request (None: anonymous or a browser) and when it signed."""

    signer: Actor | None = None
    signed_at: datetime | None = None
    now: datetime | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.signer is None


ANONYMOUS = Viewer()


def canonical(domain: str) -> str:
    try:
        return normalize_domain(domain)
    except BadRequest:
        return domain.lower()


async def member_domains(circle: Circle) -> set[str]:
    """Canonical domains of the remote instances hosting an approved member of the circle."""
    domains = await Membership.filter(
        circle_id=circle.id, state=MembershipState.APPROVED, actor__is_local=False
    ).values_list("actor__instance__domain", flat=True)
    return {canonical(domain) for domain in domains}


async def software_by_domain(domains: set[str]) -> dict[str, str | None]:
    """NodeInfo software names of known instances (domains as authority() writes them, which is canonical)."""
    rows = await Instance.filter(is_local=False, domain__in=sorted(domains)).values_list("domain", "software")
    return {canonical(domain): software for domain, software in rows}


async def permitted_inboxes(activity: OutboxActivity, inboxes: list[str]) -> list[str]:
    """SPEC: PROTOCOL.md confidential circles: every activity of a circle hosted here goes only where
    outbound_audience allows (public: anywhere; members: trusted member instances; local: nowhere)."""
    if activity.circle_id is None or not inboxes:
        return inboxes
    return await circle_permitted_inboxes(await Circle.get(id=activity.circle_id), inboxes, what=activity.uri)


async def circle_permitted_inboxes(
    circle: Circle,
    inboxes: list[str],
    *,
    what: str,
    level: Visibility | None = None,
    concerning: Actor | None = None,
) -> list[str]:
    """permitted_inboxes for the circle's activities at `level` (a row's level now; never wider than the circle
    now), `what` naming them in the log: the same for each activity of one fan-out, so a caller sending several
    evaluates it once. `concerning`: a remote person a ban is about: their own inbox receives it whatever the
    policy (their instance learns only of its own account, and hides what it holds of the circle from them)."""
    if not circle.is_local or not inboxes:
        return inboxes  # a remote circle's own Group: its host decides who reads it
    level = narrowest(circle.visibility, level) if level is not None else Visibility(circle.visibility)
    own = set(personal_inboxes(concerning)) if concerning is not None and not concerning.is_local else set()
    plan = await audience_plan(circle, [inbox for inbox in inboxes if inbox not in own], level)
    for domain, reason in plan.refused:
        log.info("not delivering %s to %s: %s", what, domain, reason)
    return [inbox for inbox in inboxes if inbox in own] + list(plan.inboxes)


async def audience_plan(circle: Circle, inboxes: list[str], level: Visibility | None = None) -> AudiencePlan:
    """outbound_audience of the circle's activities at `level` (its level now by default) to these inboxes."""
    level = Visibility(level or circle.visibility)
    return outbound_audience(level.value, await destinations(circle, inboxes, level), await _policy(level))


def personal_inboxes(actor: Actor) -> list[str]:
    return [inbox for inbox in (actor.shared_inbox_uri, actor.inbox_uri) if inbox]


async def destinations(circle: Circle, inboxes: list[str], level: Visibility) -> list[Destination]:
    by_inbox = {inbox: canonical(domain_of(inbox)) for inbox in inboxes}
    if level is Visibility.PUBLIC:
        return [Destination(inbox, domain, None, False) for inbox, domain in by_inbox.items()]
    members = await member_domains(circle)
    software = await software_by_domain(set(by_inbox.values()))
    return [Destination(inbox, domain, software.get(domain), domain in members) for inbox, domain in by_inbox.items()]


async def _policy(level: Visibility) -> ConfidentialityPolicy:
    if level is Visibility.PUBLIC:
        return ConfidentialityPolicy()
    return await load_confidentiality_policy()


async def reader_level(circle: Circle, viewer: Viewer) -> ReaderLevel:
    """SPEC: PROTOCOL.md confidential circles: what a requester may read of the circle now (domain/read_rule.py
    decides row by row from it). Anyone reads what is public now; a members circle's content reaches the
    verdict of members_fetch_verdict (an approved member now: a ban ends it); a local circle's only approved
    local members signing their own request (nothing leaves the instance)."""
    if viewer.signer is None or viewer.now is None:
        return ReaderLevel.OUTSIDER
    if circle.visibility is Visibility.LOCAL and not viewer.signer.is_local:
        return ReaderLevel.OUTSIDER
    return await _signed_level(circle, viewer)


async def _signed_level(circle: Circle, viewer: Viewer) -> ReaderLevel:
    assert viewer.signer is not None and viewer.now is not None
    facts = await fetch_facts(circle, viewer)
    verdict = members_fetch_verdict(await load_confidentiality_policy(), facts, viewer.now)
    if isinstance(verdict, Reject):
        if circle.visibility is not Visibility.PUBLIC:
            # The reason names the signer's domain, never the circle's content or the signer.
            log.info("hid circle %s from a signer on %s: %s", circle.id, facts.signer_domain, verdict.reason)
        return ReaderLevel.OUTSIDER
    return ReaderLevel.LOCAL_MEMBER if viewer.signer.is_local else ReaderLevel.REMOTE_MEMBER


async def may_read(circle: Circle, viewer: Viewer) -> bool:
    """May this viewer read anything of the circle's content (objects, activities, content collections)?"""
    return bool(readable_audiences(circle, await reader_level(circle, viewer)))


async def fetch_facts(circle: Circle, viewer: Viewer) -> FetchFacts:
    signer = viewer.signer
    assert signer is not None
    domain = canonical(authority(signer.uri))
    is_member = await Membership.exists(circle_id=circle.id, actor_id=signer.id, state=MembershipState.APPROVED)
    if signer.is_local:
        return FetchFacts(domain, viewer.signed_at, signer_is_local=True, signer_is_member=is_member)
    is_host = False
    if not circle.is_local:
        # The circle's own Group, or its host's instance actor, holds everything anyway; another account of the
        # host is a reader like any other (a non-member there reads nothing here either).
        group = await Actor.get(id=circle.actor_id)
        host_server = signer.type in INSTANCE_ACTOR_TYPES and canonical(authority(group.uri)) == domain
        is_host = signer.id == group.id or host_server
    software = (await software_by_domain({domain})).get(domain)
    return FetchFacts(
        signer_domain=domain,
        signed_at=viewer.signed_at,
        signer_is_member=is_member,
        signer_is_instance_actor=signer.type in INSTANCE_ACTOR_TYPES,
        instance_has_member=domain in await member_domains(circle),
        software=software,
        signer_is_host=is_host,
    )


async def remote_join_refusal(group_uri: str | None, joiner: Actor) -> str | None:
    """Why a remote actor may not ask to join a circle hosted here (None: it may ask; facilitators decide).

    A local circle takes nobody from outside; a members circle only actors of instances its content could
    reach (trusted, running software the policy allows): nothing of the circle goes anywhere else, only the
    Reject of the asker's own Follow (inbound/handlers/follow.py)."""
    if not group_uri or joiner.is_local:
        return None
    circle = await Circle.get_or_none(actor__uri=group_uri, is_local=True)
    if circle is None or circle.visibility is Visibility.PUBLIC:
        return None
    if circle.visibility is Visibility.LOCAL:
        return "a local circle takes no members from other instances"
    domain = canonical(authority(joiner.uri))
    software = (await software_by_domain({domain})).get(domain)
    verdict = instance_verdict(await load_confidentiality_policy(), domain, software)
    return verdict.reason if isinstance(verdict, Reject) else None
