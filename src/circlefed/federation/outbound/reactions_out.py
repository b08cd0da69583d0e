"""Federation: reactions leaving: a local member's Like/Dislike and its Undo, and the Group's relay of votes."""

from __future__ import annotations

import logging
from datetime import datetime

from circlefed.delivery.outbox import store_activity
from circlefed.domain import events as ev
from circlefed.domain.read_rule import row_level
from circlefed.domain.site import Site
from circlefed.federation.lookup import find_post, thread_and_circle
from circlefed.federation.outbound.audience import personal_inbox
from circlefed.federation.outbound.exits import enqueue, relay
from circlefed.federation.serve.documents import circle_actor
from circlefed.protocol.parse import authority
from circlefed.protocol.reactions import render_reaction, render_reaction_undo
from circlefed.storage.models import Circle, Post, Thread, Visibility

log = logging.getLogger(__name__)

ReactionEvent = ev.ReactionAdded | ev.ReactionRemoved


def leaves_instance(circle: Circle, row: Thread | Post | None = None) -> bool:
    """Votes on what is not public now in a circle hosted here (domain/read_rule.py: the circle's level, and the
    post's own audience) are never sent or relayed: its voters' identities stay on this instance (PROTOCOL.md
    reactions, attack 17). A remote circle's own host decides what it relays."""
    if not circle.is_local:
        return True
    level = row_level(circle, row.audience) if row is not None else circle.visibility
    return level is Visibility.PUBLIC


async def publish_reaction(site: Site, event: ReactionEvent, *, now: datetime, received: dict | None) -> None:
    """SPEC: fep-1b12 announce, PROTOCOL.md reactions: a local member's vote goes to a remote circle's Group, or
    is announced by the Group of a public circle hosted here, as a remote member's vote received here is."""
    circle = event.circle
    if not leaves_instance(circle, await find_post(event.object_uri)):
        return
    ordering_key = await _ordering_key(event)
    if event.actor.is_local:
        await _send_own(site, event, ordering_key, now)
    elif circle.is_local and received is not None:
        await relay(
            site, circle, received, object_uri=event.object_uri, ordering_key=ordering_key, now=now,
            besides=authority(event.actor.uri),
        )


async def _send_own(site: Site, event: ReactionEvent, ordering_key: str, now: datetime) -> None:
    """The member's Like (under the id its Reaction keeps) or the Undo embedding it, kept as an outbox activity:
    delivered but never served at its id (served.py: attack 17)."""
    circle, member = event.circle, event.actor
    group = await circle_actor(circle)
    payload = render_reaction(event.kind, event.activity_uri, member.uri, event.object_uri, group.uri)
    if isinstance(event, ev.ReactionRemoved):
        payload = render_reaction_undo(site.uris.new_activity(), payload, group.uri)
    activity = await store_activity(
        uri=payload["id"],
        type=payload["type"],
        actor=member,
        payload=payload,
        now=now,
        circle=circle,
        object_uri=event.object_uri,
    )
    if circle.is_local:
        await relay(site, circle, payload, object_uri=event.object_uri, ordering_key=ordering_key, now=now)
    else:
        log.info("sending %s of %s to %s", payload["type"], event.object_uri, group.uri)
        await enqueue(site, activity, personal_inbox(group), ordering_key, now)


async def _ordering_key(event: ReactionEvent) -> str:
    """The thread's uri, as its posts are delivered with: a vote reaches an inbox after the post it is about,
    and its Undo after it. The vote's own id when the post is not stored."""
    row = await find_post(event.object_uri)
    if row is None:
        return event.activity_uri
    thread, _ = await thread_and_circle(row)
    return thread.uri
