"""Federation, outbound: the exits every activity leaves by: enqueue (the confidentiality policy, then the domain
gate) and the Group's relay (Announce) to its members' instances."""

from __future__ import annotations

from datetime import datetime

from circlefed.delivery.outbox import store_activity
from circlefed.domain.federation_policy import load_policy
from circlefed.domain.site import Site
from circlefed.federation.confidential import circle_permitted_inboxes, permitted_inboxes
from circlefed.federation.domain_policy import enqueue_permitted
from circlefed.federation.outbound.audience import follower_inboxes
from circlefed.federation.serve.documents import audience_of, circle_actor
from circlefed.protocol.objects import render_announce
from circlefed.protocol.parse import authority
from circlefed.storage.models import Actor, Circle, OutboxActivity, Visibility


async def enqueue(
    site: Site, activity: OutboxActivity, inboxes: list[str], ordering_key: str | None, now: datetime
) -> None:
    """Queue `activity` for the inboxes the confidentiality policy and then the domain gate let it reach."""
    # Confidentiality first (members circles: trusted member instances only; local circles: nowhere), then the
    # gate filters destinations (blocked, unlisted in allowlist mode, everything when closed).
    inboxes = await permitted_inboxes(activity, inboxes)
    await enqueue_permitted(activity, inboxes, local_domain=site.domain, ordering_key=ordering_key, now=now)


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
        await enqueue_permitted(
            activity, inboxes, local_domain=site.domain, ordering_key=ordering_key, now=now, policy=policy
        )
