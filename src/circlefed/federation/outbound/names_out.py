"""Federation: a member's new name in a circle reaches the instances that show them by their pseudonym there."""

from __future__ import annotations

from datetime import datetime

from circlefed.delivery.outbox import store_activity
from circlefed.domain.directory import get_person
from circlefed.domain.events import NameChanged
from circlefed.domain.pseudonyms import attributed_actor
from circlefed.domain.site import Site
from circlefed.federation.outbound.audience import follower_inboxes
from circlefed.federation.outbound.exits import enqueue
from circlefed.federation.serve.documents import audience_of
from circlefed.protocol.actors import render_person
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
