"""Federation: publishing domain events: render, store (dereferenceable) and enqueue, in the caller's transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from circlefed.delivery.outbox import store_activity
from circlefed.domain import events as ev
from circlefed.domain.confidentiality import VisibilityChanged
from circlefed.domain.federation_policy import load_policy
from circlefed.domain.messages import MessageSent
from circlefed.domain.pseudonyms import attributed_actor
from circlefed.domain.read_rule import row_level
from circlefed.domain.site import Site
from circlefed.federation.confidential import circle_permitted_inboxes, permitted_inboxes
from circlefed.federation.domain_policy import enqueue_permitted
from circlefed.federation.outbound.audience import follower_inboxes, personal_inbox
from circlefed.federation.outbound.messages_out import publish_message
from circlefed.federation.serve.documents import audience_of, circle_actor, reply_document, thread_document
from circlefed.protocol.objects import (
    follow_reference,
    render_announce,
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

MODERATION_EVENTS = (
    ev.Moderated, ev.PostApproved, ev.ReportFiled, ev.ReportResolved, ev.RulesChanged, ev.CircleDescribed,
    VisibilityChanged,
)
ContentEvent = ev.ThreadStarted | ev.ThreadEdited | ev.ThreadDeleted | ev.ReplyPosted | ev.ReplyEdited | ev.ReplyDeleted
CONTENT_EVENTS = (ev.ThreadStarted, ev.ThreadEdited, ev.ThreadDeleted, ev.ReplyPosted, ev.ReplyEdited, ev.ReplyDeleted)


async def publish(site: Site, events: Iterable[ev.Event], *, now: datetime, received: dict | None = None) -> None:
    """Turn domain events into stored activities and deliveries; `received` is the remote activity that caused
    them (the Group relays it exactly as received). Must run in the transaction of the change."""
    for event in events:
        if isinstance(event, CONTENT_EVENTS):
            await _publish_content(site, event, now, received)
        elif isinstance(event, ev.MemberJoined | ev.JoinApproved | ev.JoinRejected):
            await _answer_follow(site, event, now, received)
            if not isinstance(event, ev.JoinRejected):
                # A new member of a confidential circle gets the pseudonym now, before anything names them.
                await attributed_actor(site, event.circle, event.actor, create=True)
        elif isinstance(event, ev.MemberRemoved):
            await _tell_removed(site, event, now)
        elif isinstance(event, ev.JoinRequested | ev.MemberLeft):
            await _follow_or_undo(site, event, now)
        elif isinstance(event, ev.ReactionAdded | ev.ReactionRemoved):
            from circlefed.federation.outbound.reactions_out import publish_reaction  # it relays through this module

            await publish_reaction(site, event, now=now, received=received)
        elif isinstance(event, ev.NameChanged):
            from circlefed.federation.outbound.names_out import publish_name

            await publish_name(site, event, now=now, enqueue=_enqueue)
        elif isinstance(event, MODERATION_EVENTS):
            from circlefed.federation.outbound.moderation_out import publish_moderation  # it relays through this module

            await publish_moderation(site, event, now=now, received=received)
        elif isinstance(event, MessageSent):
            await publish_message(site, event, now=now, enqueue=_enqueue)


# --- threads and replies ----------------------------------------------------------------------------------


async def _publish_content(site: Site, event: ContentEvent, now: datetime, received: dict | None) -> None:
    circle, thread_uri = event.circle, event.thread.uri
    row = getattr(event, "post", None) or event.thread
    if row.review_state is not ReviewState.VISIBLE:
        return  # held for review (or rejected): it leaves this instance only once a facilitator approves it
    actor = getattr(event, "author", None) or event.by
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
            await _enqueue(site, activity, personal_inbox(group), thread_uri, now)
    elif circle.is_local and received is not None:
        extra = received.get("object") if is_new else None
        await relay(
            site, circle, received, object_uri=row.uri, ordering_key=thread_uri, now=now, also=extra, level=level,
            besides=authority(actor.uri),
        )


async def _authored_activity(
    site: Site, event: ContentEvent, row: Thread | Post, actor: Actor, level: Visibility, now: datetime
) -> OutboxActivity:
    # A confidential circle shows other instances the author's per-circle pseudonym (unless real names are
    # shared); the author of a post keeps the identity it was written under, a moderator appears as of now.
    as_written = actor.id == row.author_id  # type: ignore[attr-defined]
    actor = await attributed_actor(site, event.circle, actor, create=True, level=row.audience if as_written else level)
    uri = site.uris.new_activity()
    if isinstance(event, ev.ThreadDeleted | ev.ReplyDeleted):
        former = "Note" if isinstance(event, ev.ReplyDeleted) else "Page"
        tombstone = render_tombstone(row.uri, former, row.deleted_at)
        payload = render_delete(uri, actor.uri, tombstone, await audience_of(event.circle, level), now)
    else:
        document = await (
            reply_document(site, event.post) if hasattr(event, "post") else thread_document(site, event.thread)
        )
        render = render_create if isinstance(event, ev.ThreadStarted | ev.ReplyPosted) else render_update
        payload = render(uri, actor.uri, render_post(document), now)
    object_uri = payload["object"]["id"]
    return await store_activity(
        uri=uri, type=payload["type"], actor=actor, payload=payload, now=now, circle=event.circle, object_uri=object_uri
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
        await enqueue_permitted(
            activity, inboxes, local_domain=site.domain, ordering_key=ordering_key, now=now, policy=policy
        )


# --- membership --------------------------------------------------------------------------------------------


async def _answer_follow(
    site: Site, event: ev.MemberJoined | ev.JoinApproved | ev.JoinRejected, now: datetime, received: dict | None
) -> None:
    """SPEC: fep-1b12 following: a remote Follow of a local circle is answered with Accept (or Reject)."""
    if not event.circle.is_local or event.actor.is_local:
        return
    await answer_follow(
        site,
        event.circle,
        event.actor,
        event.follow_activity_uri,
        now=now,
        received=received,
        kind="Reject" if isinstance(event, ev.JoinRejected) else "Accept",
    )


async def _tell_removed(site: Site, event: ev.MemberRemoved, now: datetime) -> None:
    """A removed remote member's instance learns it from a Reject of their Follow, whatever the policy says of
    the circle's content: it tells that instance only about its own account, and makes it hide what it holds."""
    if event.circle.is_local and not event.actor.is_local:
        await answer_follow(
            site, event.circle, event.actor, event.follow_activity_uri, now=now, kind="Reject", personal=True
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
    uri = site.uris.new_activity()
    payload = render_response(kind, uri, group.uri, follow, follower.uri, summary=summary)
    activity = await store_activity(
        uri=uri, type=kind, actor=group, payload=payload, now=now, circle=None if personal else circle,
        object_uri=follow_uri,
    )
    await _enqueue(site, activity, personal_inbox(follower), None, now)


async def _follow_or_undo(site: Site, event: ev.JoinRequested | ev.MemberLeft, now: datetime) -> None:
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
    await _enqueue(site, activity, personal_inbox(group), event.follow_activity_uri, now)


async def _enqueue(
    site: Site, activity: OutboxActivity, inboxes: list[str], ordering_key: str | None, now: datetime
) -> None:
    # Confidentiality first (members circles: trusted member instances only; local circles: nowhere), then the
    # gate filters destinations (blocked, unlisted in allowlist mode, everything when closed).
    inboxes = await permitted_inboxes(activity, inboxes)
    await enqueue_permitted(activity, inboxes, local_domain=site.domain, ordering_key=ordering_key, now=now)
