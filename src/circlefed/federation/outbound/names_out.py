"""Federation: a member's new name reaches the instances that show it: a name in a circle those that show them
by their pseudonym there, a profile name those that know their Person."""

from __future__ import annotations

from datetime import datetime

from circlefed.delivery.outbox import store_activity
from circlefed.domain.directory import get_person
from circlefed.domain.events import NameChanged, ProfileRenamed
from circlefed.domain.pseudonyms import attributed_actor
from circlefed.domain.site import Site
from circlefed.federation.outbound.audience import follower_inboxes, instances_knowing_member
from circlefed.federation.outbound.exits import Reach, enqueue
from circlefed.federation.serve.documents import audience_of
from circlefed.protocol.actors import render_person, render_person_update
from circlefed.protocol.moderation import render_actor_update


async def publish_name(site: Site, event: NameChanged, *, now: datetime, received: dict | None = None) -> None:
    """Update(Person) by the member's pseudonymous actor in the circle, to the circle's member instances under
    the circle's confidentiality (they refetch the actor and show the new name). Nothing when the circle shows
    other instances the member's own actor: that actor's name does not change with a circle's."""
    shown = await attributed_actor(site, event.circle, event.actor)
    if shown.id is None or shown.id == event.actor.id:
        return
    document = render_person(await get_person(site, shown.local_name or ""))
    payload = render_actor_update(site.uris.new_activity(), shown.uri, document, await audience_of(event.circle), now)
    activity = await store_activity(
        uri=payload["id"], type="Update", actor=shown, payload=payload, now=now, circle=event.circle,
        object_uri=shown.uri,
    )
    await enqueue(site, activity, await follower_inboxes(event.circle), None, now)


async def publish_profile_name(
    site: Site, event: ProfileRenamed, *, now: datetime, received: dict | None = None
) -> None:
    """Update(Person) with the new name, to the instances that know the member's Person (a public face: it
    names no circle and no membership they did not know)."""
    actor = event.actor
    uri = site.uris.new_activity()
    payload = render_person_update(uri, await get_person(site, actor.local_name or ""), now)
    activity = await store_activity(uri=uri, type="Update", actor=actor, payload=payload, now=now,
                                    object_uri=actor.uri)
    await enqueue(site, activity, await instances_knowing_member(actor), None, now, reach=Reach.PUBLIC_FACE)
