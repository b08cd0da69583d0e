"""Federation, outbound: the exit filter every activity leaves by: enqueue (the confidentiality policy for
content, then the domain gate, then delivery rows) and the Group's relay (Announce) to its members' instances."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from enum import Enum

from circlefed.delivery.fanout import enqueue_deliveries
from circlefed.delivery.outbox import domain_of, store_activity
from circlefed.domain.federation_policy import load_policy
from circlefed.domain.site import Site
from circlefed.federation.confidential import circle_permitted_inboxes, permitted_inboxes
from circlefed.federation.outbound.audience import follower_inboxes
from circlefed.federation.serve.documents import audience_of, circle_actor
from circlefed.policy.domains import DomainPolicy, outbound_verdict
from circlefed.policy.verdicts import Reject
from circlefed.protocol.objects import render_announce
from circlefed.protocol.parse import authority
from circlefed.storage.models import Actor, Circle, OutboxActivity, Visibility

log = logging.getLogger(__name__)


class Reach(Enum):
    """Which rule picks an activity's destinations before the domain gate (content unless an exit says otherwise)."""

    CONTENT = "content"  # what a circle or member says: the confidentiality policy decides where it may go
    PUBLIC_FACE = "public face"  # a Group's or Person's document or key: no secret, to those who follow it
    RETRACTION = "retraction"  # a Delete, only to inboxes that hold a copy: it takes back, tells nothing new


async def enqueue(
    site: Site,
    activity: OutboxActivity,
    inboxes: Iterable[str],
    ordering_key: str | None,
    now: datetime,
    *,
    reach: Reach = Reach.CONTENT,
    policy: DomainPolicy | None = None,
) -> list[str]:
    """Queue `activity` for the inboxes the confidentiality policy (for CONTENT) and then the domain gate let it
    reach, inside the caller's transaction; returns the inboxes queued. The only way to a delivery row."""
    # Confidentiality first (members circles: trusted member instances only; local circles: nowhere), then the
    # gate filters destinations (blocked, unlisted in allowlist mode, everything when closed).
    if reach is Reach.CONTENT:
        inboxes = await permitted_inboxes(activity, list(inboxes))
    return await _past_the_gate(site, activity, inboxes, ordering_key, now, policy)


async def _past_the_gate(
    site: Site,
    activity: OutboxActivity,
    inboxes: Iterable[str],
    ordering_key: str | None,
    now: datetime,
    policy: DomainPolicy | None,
) -> list[str]:
    """Delivery rows for the inboxes the domain policy lets us deliver to. The policy is read afresh, not from
    the gate's cache, so that a rule the CLI just committed is honoured by the next fan-out (its own transaction
    cancelled what was queued before); a caller enqueueing several activities in one transaction may pass the
    policy it read once (load_policy)."""
    policy = policy if policy is not None else await load_policy()
    permitted: list[str] = []
    refused: dict[str, str] = {}
    for inbox in inboxes:
        domain = domain_of(inbox)
        verdict = outbound_verdict(policy, domain) if domain else None
        if isinstance(verdict, Reject):
            refused[domain] = verdict.reason
        else:
            permitted.append(inbox)
    for domain, reason in refused.items():
        log.info("not delivering %s to %s: %s", activity.uri, domain, reason)
    return await enqueue_deliveries(
        activity, permitted, local_domain=site.domain, ordering_key=ordering_key, now=now
    )


async def relay(
    site: Site,
    circle: Circle,
    announced: dict | str,
    *,
    object_uri: str,
    ordering_key: str | None,
    now: datetime,
    also: dict | str | None = None,
    level: Visibility | None = None,
    to_inboxes: list[str] | None = None,
    concerning: Actor | None = None,
    besides: str | None = None,
) -> None:
    """SPEC: fep-1b12 announce: the Group sends Announce(<activity as received>) to every remote member's
    instance, and Announce(<object>) after it for a new thread (Mastodon shows only that one).

    `level`: the level of what is announced (a row's level now; the circle's level by default); `to_inboxes`:
    other inboxes than the members' instances; `concerning`: the remote person a ban is about, whose own
    instance may receive it whatever the policy says of members content (it learns only of its own account);
    `besides`: the domain what is relayed came from, which has it already (NodeBB answers 424 to an Announce of
    its own activity)."""
    group = await circle_actor(circle)
    audience = await audience_of(circle, level)
    # Both Announces go to the same inboxes: confidentiality and the domain policy are read once for them.
    what = f"the Announce of {object_uri}"
    candidates = await follower_inboxes(circle) if to_inboxes is None else to_inboxes
    if besides is not None:
        candidates = [inbox for inbox in candidates if authority(inbox) != besides]
    inboxes = await circle_permitted_inboxes(circle, candidates, what=what, level=level, concerning=concerning)
    policy = await load_policy()
    for announced_item in (announced, also):
        if announced_item is None:
            continue
        uri = site.uris.new_activity()
        payload = render_announce(uri, audience, announced_item, now)
        activity = await store_activity(
            uri=uri, type="Announce", actor=group, payload=payload, now=now, circle=circle, object_uri=object_uri
        )
        await _past_the_gate(site, activity, inboxes, ordering_key, now, policy)
