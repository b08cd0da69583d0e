"""Federation: publishing domain events: render, store (dereferenceable) and enqueue, in the caller's transaction."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from circlefed.delivery.outbox import store_activity
from circlefed.domain import events as ev
from circlefed.domain.mentions import mentioned_people
from circlefed.domain.pseudonyms import attributed_actor, ensure_pseudonyms
from circlefed.domain.read_rule import row_level
from circlefed.domain.site import Site
from circlefed.federation.outbound import messages_out, moderation_out, names_out, reactions_out, reports_out
from circlefed.federation.outbound.audience import personal_inbox
from circlefed.federation.outbound.exits import enqueue, relay
from circlefed.federation.serve.documents import audience_of, circle_actor, reply_document, thread_document
from circlefed.protocol.objects import (
    follow_reference,
    render_create,
    render_delete,
    render_follow,
    render_post,
    render_response,
    render_tombstone,
    render_undo,
    render_update,
)
from circlefed.protocol.parse import authority
from circlefed.storage.models import Actor, Circle, OutboxActivity, Post, ReviewState, Thread, Visibility

log = logging.getLogger(__name__)
T = TypeVar("T")

ReplyEvent = ev.ReplyPosted | ev.ReplyEdited | ev.ReplyDeleted
ContentEvent = ev.ThreadStarted | ev.ThreadEdited | ev.ThreadDeleted | ReplyEvent
# A publisher of one kind of event: what it sends, and the events it leads to (published after it), if any.
# Called as publisher(site, event, now=..., received=...). It renders under pseudonyms made before it runs.
Publisher = Callable[..., Awaitable[Sequence[ev.Event] | None]]
# The step before a publisher: the per-circle pseudonyms its activities will show, made (ensure_pseudonyms).
MakePseudonyms = Callable[[Site, Any], Awaitable[None]]


async def publish(site: Site, events: Iterable[ev.Event], *, now: datetime, received: dict | None = None) -> None:
    """Turn domain events into stored activities and deliveries; `received` is the remote activity that caused
    them (the Group relays it exactly as received). Must run in the transaction of the change. For each event the
    pseudonyms it will show are made first (make_pseudonyms), then its publisher renders, only reading them. An
    event kind with no publisher (EditHeld, say) leaves nothing to send."""
    for event in events:
        publisher = _of_kind(PUBLISHERS, event)
        if publisher is None:
            continue
        await make_pseudonyms(site, event)
        following = await publisher(site, event, now=now, received=received)
        if following:
            await publish(site, following, now=now)


async def make_pseudonyms(site: Site, event: ev.Event) -> None:
    """Before rendering: the per-circle pseudonyms (domain/pseudonyms.py) other instances will see in what the
    event publishes (its actor, a person moderated or reported, a message's sender) are made, so that rendering
    never writes an actor row."""
    make = _of_kind(PSEUDONYMS, event)
    if make is not None:
        await make(site, event)


def _of_kind(table: dict[type, T], event: ev.Event) -> T | None:
    for kind in type(event).__mro__:
        if kind in table:
            return table[kind]
    return None


# --- threads and replies ----------------------------------------------------------------------------------


def _row(event: ContentEvent) -> Thread | Post:
    return event.post if isinstance(event, ReplyEvent) else event.thread


def _shown_level(event: ContentEvent, row: Thread | Post) -> Visibility:
    """The level the actor of a post's activity is shown at: in a confidential circle other instances see the
    author's per-circle pseudonym (unless real names are shared); the author of a post keeps the identity it was
    written under (its own audience), someone else (a moderator removing it) appears as of now."""
    as_written = event.actor.id == row.author_id  # type: ignore[attr-defined]
    return row.audience if as_written else row_level(event.circle, row.audience)


async def _content_pseudonyms(site: Site, event: ContentEvent) -> None:
    """The author's pseudonym, and those of the members the post names (its Mention tags name them)."""
    row = _row(event)
    if row.review_state is ReviewState.VISIBLE and event.actor.is_local:
        named = [actor for _, actor in await mentioned_people(event.circle, row)]
        await ensure_pseudonyms(site, event.circle, [event.actor, *named], level=_shown_level(event, row))


async def _publish_content(site: Site, event: ContentEvent, *, now: datetime, received: dict | None) -> None:
    circle, thread_uri = event.circle, event.thread.uri
    row = _row(event)
    if row.review_state is not ReviewState.VISIBLE:
        return  # held for review (or rejected): it leaves this instance only once a facilitator approves it
    actor = event.actor
    # SPEC: FEDERATION.md relays: a new thread or reply is announced in both shapes, Announce(Create) for FEP-1b12
    # peers and Announce(<object>) for Mastodon-like servers, which take only an announced status.
    is_new = isinstance(event, ev.ThreadStarted | ev.ReplyPosted)
    # The read rule's level of the row now: an edit or removal of a post written in confidence never goes
    # further than its first audience, whatever the circle became since.
    level = row_level(circle, row.audience)
    if actor.is_local:
        activity = await _authored_activity(site, event, row, actor, level, now)
        if circle.is_local:
            # SPEC: fep-1b12 announce: local members' posts in a local circle are announced by its Group too.
            extra = activity.payload["object"] if is_new else None
            await relay(
                site, circle, activity.payload, object_uri=row.uri, ordering_key=thread_uri, now=now, also=extra,
                level=level,
            )
        else:
            group = await circle_actor(circle)
            await enqueue(site, activity, personal_inbox(group), thread_uri, now)
    elif circle.is_local and received is not None:
        extra = received.get("object") if is_new else None
        await relay(
            site, circle, received, object_uri=row.uri, ordering_key=thread_uri, now=now, also=extra, level=level,
            besides=authority(actor.uri),
        )


async def _authored_activity(
    site: Site, event: ContentEvent, row: Thread | Post, actor: Actor, level: Visibility, now: datetime
) -> OutboxActivity:
    actor = await attributed_actor(site, event.circle, actor, level=_shown_level(event, row))
    uri = site.uris.new_activity()
    if isinstance(event, ev.ThreadDeleted | ev.ReplyDeleted):
        former = "Note" if isinstance(event, ev.ReplyDeleted) else "Page"
        tombstone = render_tombstone(row.uri, former, row.deleted_at)
        payload = render_delete(uri, actor.uri, tombstone, await audience_of(event.circle, level), now)
    else:
        document = await (
            reply_document(site, event.post) if isinstance(event, ReplyEvent) else thread_document(site, event.thread)
        )
        render = render_create if isinstance(event, ev.ThreadStarted | ev.ReplyPosted) else render_update
        payload = render(uri, actor.uri, render_post(document), now)
    object_uri = payload["object"]["id"]
    return await store_activity(
        uri=uri, type=payload["type"], actor=actor, payload=payload, now=now, circle=event.circle, object_uri=object_uri
    )


# --- membership --------------------------------------------------------------------------------------------


async def _newcomer_pseudonym(site: Site, event: ev.MemberJoined | ev.JoinApproved) -> None:
    """A new member of a confidential circle gets their pseudonym now, before anything names them."""
    await ensure_pseudonyms(site, event.circle, [event.member])


async def _answer_follow(
    site: Site, event: ev.MemberJoined | ev.JoinApproved | ev.JoinRejected, *, now: datetime, received: dict | None
) -> None:
    """SPEC: fep-1b12 following: a remote Follow of a local circle is answered with Accept (or Reject)."""
    if not event.circle.is_local or event.member.is_local:
        return
    await answer_follow(
        site,
        event.circle,
        event.member,
        event.follow_activity_uri,
        now=now,
        received=received,
        kind="Reject" if isinstance(event, ev.JoinRejected) else "Accept",
    )


async def _tell_removed(site: Site, event: ev.MemberRemoved, *, now: datetime, received: dict | None) -> None:
    """A removed remote member's instance learns it from a Reject of their Follow, whatever the policy says of
    the circle's content: it tells that instance only about its own account, and makes it hide what it holds."""
    if event.circle.is_local and not event.member.is_local:
        await answer_follow(
            site, event.circle, event.member, event.follow_activity_uri, now=now, kind="Reject", personal=True
        )


async def answer_follow(
    site: Site,
    circle: Circle,
    follower: Actor,
    follow_uri: str | None,
    *,
    now: datetime,
    received: dict | None = None,
    kind: str = "Accept",
    personal: bool = False,
    summary: str = "",
) -> None:
    """Accept or Reject of a Follow of a circle hosted here; `personal`: an answer about the follower alone,
    never circle content (the domain gate still applies); `summary`: why, as the follower may read it."""
    group = await circle_actor(circle)
    if received is not None and received.get("type") == "Follow" and received.get("id") == follow_uri:
        follow = received
    elif follow_uri is not None:
        follow = follow_reference(follow_uri, follower.uri, group.uri)
    else:
        log.warning("no %s sent to actor %s for circle actor %s: its Follow id is unknown", kind, follower.id, group.id)
        return
    activity = await _earlier_answer(group, kind, follow_uri, personal) if follow_uri is not None else None
    if activity is None:
        uri = site.uris.new_activity()
        payload = render_response(kind, uri, group.uri, follow, follower.uri, summary=summary)
        activity = await store_activity(
            uri=uri, type=kind, actor=group, payload=payload, now=now, circle=None if personal else circle,
            object_uri=follow_uri,
        )
    await enqueue(site, activity, personal_inbox(follower), None, now)


async def _earlier_answer(group: Actor, kind: str, follow_uri: str, personal: bool) -> OutboxActivity | None:
    """The same answer to the same Follow sent before: a Follow handled twice (the queue is at least once: a
    worker stopped after handling it, before writing it done) is answered again with that activity, same id,
    which the follower's server recognises, not with a second one."""
    if personal:
        return None
    return await OutboxActivity.filter(actor_id=group.id, type=kind, object_uri=follow_uri).order_by("-id").first()


async def _follow_or_undo(
    site: Site, event: ev.JoinRequested | ev.MemberLeft, *, now: datetime, received: dict | None
) -> None:
    """A local member joining (Follow) or leaving (Undo(Follow)) a remote circle."""
    if event.circle.is_local or not event.actor.is_local:
        return
    group = await circle_actor(event.circle)
    if event.follow_activity_uri is None:
        log.warning("circle actor %s: no Follow id remembered for actor %s, nothing sent", group.id, event.actor.id)
        return
    if isinstance(event, ev.JoinRequested):
        uri = event.follow_activity_uri
        payload = render_follow(uri, event.actor.uri, group.uri)
    else:
        uri = site.uris.new_activity()
        payload = render_undo(
            uri, event.actor.uri, follow_reference(event.follow_activity_uri, event.actor.uri, group.uri), group.uri
        )
    activity = await store_activity(
        uri=uri,
        type=payload["type"],
        actor=event.actor,
        payload=payload,
        now=now,
        circle=event.circle,
        object_uri=group.uri,
    )
    await enqueue(site, activity, personal_inbox(group), event.follow_activity_uri, now)


PUBLISHERS: dict[type, Publisher] = {
    **dict.fromkeys(
        (ev.ThreadStarted, ev.ThreadEdited, ev.ThreadDeleted, ev.ReplyPosted, ev.ReplyEdited, ev.ReplyDeleted),
        _publish_content,
    ),
    ev.MemberJoined: _answer_follow,
    ev.JoinApproved: _answer_follow,
    ev.JoinRejected: _answer_follow,
    ev.MemberRemoved: _tell_removed,
    ev.JoinRequested: _follow_or_undo,
    ev.MemberLeft: _follow_or_undo,
    ev.ReactionAdded: reactions_out.publish_reaction,
    ev.ReactionRemoved: reactions_out.publish_reaction,
    ev.NameChanged: names_out.publish_name,
    ev.ProfileRenamed: names_out.publish_profile_name,
    ev.MessageSent: messages_out.publish_message,
    ev.Moderated: moderation_out.publish_moderated,
    ev.PostApproved: moderation_out.publish_approved,
    ev.RulesChanged: moderation_out.publish_rules,
    ev.CircleDescribed: moderation_out.publish_rules,
    ev.VisibilityChanged: moderation_out.publish_visibility,
    ev.ReportFiled: reports_out.publish_report,
    ev.ReportResolved: reports_out.publish_resolution,
}


PSEUDONYMS: dict[type, MakePseudonyms] = {
    **dict.fromkeys(
        (ev.ThreadStarted, ev.ThreadEdited, ev.ThreadDeleted, ev.ReplyPosted, ev.ReplyEdited, ev.ReplyDeleted),
        _content_pseudonyms,
    ),
    ev.MemberJoined: _newcomer_pseudonym,
    ev.JoinApproved: _newcomer_pseudonym,
    ev.MessageSent: messages_out.message_pseudonyms,
    ev.Moderated: moderation_out.moderation_pseudonyms,
    ev.VisibilityChanged: moderation_out.visibility_pseudonyms,
    ev.ReportFiled: reports_out.report_pseudonyms,
    ev.ReportResolved: reports_out.resolution_pseudonyms,
}
