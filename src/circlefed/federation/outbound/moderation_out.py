"""Federation: publishing moderators' actions: Lock, Add/Remove (featured, moderators), Block, and their Undo."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from circlefed.delivery.outbox import store_activity
from circlefed.domain import events as ev
from circlefed.domain import modlog
from circlefed.domain.directory import get_circle
from circlefed.domain.memberships import approved_members
from circlefed.domain.pseudonyms import attributed_actor, ensure_pseudonyms
from circlefed.domain.site import Site
from circlefed.federation.confidential import personal_inboxes
from circlefed.federation.outbound.audience import follower_inboxes, personal_inbox
from circlefed.federation.outbound.exits import Reach, enqueue, relay
from circlefed.federation.serve.documents import audience_of, circle_actor
from circlefed.protocol.actors import render_group
from circlefed.protocol.moderation import (
    render_actor_update,
    render_block,
    render_collection_change,
    render_lock,
    render_moderation_undo,
)
from circlefed.protocol.objects import Audience
from circlefed.storage.models import Actor, Circle, OutboxActivity, Visibility

THREAD_ACTIONS = frozenset({modlog.LOCK, modlog.UNLOCK, modlog.PIN, modlog.UNPIN})
PERSON_ACTIONS = frozenset({modlog.BAN, modlog.UNBAN, modlog.ADD_FACILITATOR, modlog.REMOVE_FACILITATOR})


async def publish_moderated(
    site: Site, event: ev.Moderated, *, now: datetime, received: dict | None
) -> list[ev.Event]:
    """SPEC: fep-1b12 moderation: a local moderator's action goes to the circle's Group (remote circle) or is
    announced by it (circle hosted here); a remote moderator's action, once applied, is relayed as received.

    In a confidential circle hosted here every person in it appears as other instances see them (their
    per-circle pseudonym: domain/pseudonyms.py), and a ban or its lifting goes only to the banned person's own
    instance: nobody else learns who belongs to the circle, who was banned or why."""
    circle = event.circle
    ordering = event.object_uri if event.action in THREAD_ACTIONS else None
    about = _about(event)
    inboxes = await _ban_inboxes(circle, about) if event.action in (modlog.BAN, modlog.UNBAN) else None
    if not event.actor.is_local:
        if circle.is_local and received is not None:
            await relay(
                site, circle, received, object_uri=event.object_uri, ordering_key=ordering, now=now,
                to_inboxes=inboxes, concerning=about,
            )
        return []
    by = await _shown_moderator(site, event)
    target = await attributed_actor(site, circle, about) if about is not None else None
    shown = replace(event, actor=by, object_uri=target.uri if target is not None else event.object_uri)
    payload = render_moderation(site, shown, await audience_of(circle), await circle_actor(circle), now)
    activity = await store_activity(
        uri=payload["id"], type=payload["type"], actor=by, payload=payload, now=now, circle=circle,
        object_uri=event.object_uri,
    )
    if circle.is_local:
        await relay(
            site, circle, payload, object_uri=event.object_uri, ordering_key=ordering, now=now,
            to_inboxes=inboxes, concerning=about,
        )
    else:
        # The same destination filters as every other activity (confidentiality, then the domain gate).
        await enqueue(site, activity, personal_inbox(await circle_actor(circle)), ordering, now)
    # A ban with removeData: each removed post as the moderator's own Delete (announced like any removal).
    return list(event.removals)


async def moderation_pseudonyms(site: Site, event: ev.Moderated) -> None:
    """Before rendering a local moderator's action: the pseudonyms it shows, the moderator's (unless the Group
    speaks for them) and the person's it is about."""
    if not event.actor.is_local:
        return  # relayed as received: it names nobody of this instance anew
    about = _about(event)
    people = [] if _group_speaks(event) else [event.actor]
    await ensure_pseudonyms(site, event.circle, people + ([about] if about is not None else []))


def _about(event: ev.Moderated) -> Actor | None:
    return event.person if event.action in PERSON_ACTIONS else None


def _group_speaks(event: ev.Moderated) -> bool:
    """For a ban in a confidential circle, the circle's Group itself acts (its notice goes to an instance that
    may have no member left: it learns of its own account's ban, not of who facilitates)."""
    circle = event.circle
    return event.action in (modlog.BAN, modlog.UNBAN) and circle.is_local and circle.visibility is not Visibility.PUBLIC


async def _shown_moderator(site: Site, event: ev.Moderated) -> Actor:
    """Who other instances see acting: a facilitator's pseudonym in a confidential circle, or the Group
    (_group_speaks)."""
    if _group_speaks(event):
        return await circle_actor(event.circle)
    return await attributed_actor(site, event.circle, event.actor)


async def _ban_inboxes(circle: Circle, person: Actor | None) -> list[str] | None:
    """Where a ban (or its lifting) goes: in a public circle to every member's instance as Lemmy expects
    (and the person's own); in a confidential one only to the person's own instance (None: the members')."""
    own = personal_inboxes(person)[:1] if person is not None and not person.is_local else []
    if circle.visibility is Visibility.PUBLIC:
        return list(dict.fromkeys([*await follower_inboxes(circle), *own]))
    return own


async def publish_rules(
    site: Site, event: ev.RulesChanged | ev.CircleDescribed, *, now: datetime, received: dict | None = None
) -> None:
    """New ground rules, name or description: the Group sends Update(Group) to its members' instances, which
    refetch it."""
    circle = event.circle
    if not circle.is_local or circle.visibility is Visibility.LOCAL:
        return
    activity = await group_update(site, circle, now, as_circle_content=True)
    await enqueue(site, activity, await follower_inboxes(circle), None, now)


async def visibility_pseudonyms(site: Site, event: ev.VisibilityChanged) -> None:
    """A circle hosted here became confidential: its local members get their pseudonyms before anything is
    published under them."""
    circle = event.circle
    if circle.visibility is not Visibility.PUBLIC:
        await ensure_pseudonyms(site, circle, await approved_members(circle))


async def publish_visibility(
    site: Site, event: ev.VisibilityChanged, *, now: datetime, received: dict | None = None
) -> None:
    """A circle hosted here changed level (services/circle_settings.py cancelled what may no longer go out;
    its members' pseudonyms are made first, visibility_pseudonyms): every instance hosting a member receives
    Update(Group), whatever the policy says of members content (the Group document is no secret): they re-read
    the level and hide their copies from everyone but the members."""
    circle = event.circle
    activity = await group_update(site, circle, now, as_circle_content=False)
    inboxes = await follower_inboxes(circle)
    await enqueue(site, activity, inboxes, None, now, reach=Reach.PUBLIC_FACE)


async def group_update(site: Site, circle: Circle, now: datetime, *, as_circle_content: bool) -> OutboxActivity:
    """Update{object: Group} by the Group, stored; `as_circle_content`: under the circle's own audience rules
    (else it is the circle's public face, as its actor document is, and never served as circle content)."""
    group = await circle_actor(circle)
    document = render_group((await get_circle(site, circle.slug, even_local=True)).card)
    payload = render_actor_update(site.uris.new_activity(), group.uri, document, await audience_of(circle), now)
    return await store_activity(
        uri=payload["id"], type="Update", actor=group, payload=payload, now=now,
        circle=circle if as_circle_content else None, object_uri=group.uri,
    )


async def publish_approved(
    site: Site, event: ev.PostApproved, *, now: datetime, received: dict | None = None
) -> list[ev.Event]:
    """A held post a facilitator approved leaves now: a local author's Create (announced by the Group), or for a
    remote author the Group's Announce of its id (member instances fetch it from its origin)."""
    row = event.post or event.thread
    author = await Actor.get(id=row.author_id)
    if author.is_local:
        started = ev.ReplyPosted(event.circle, event.thread, event.post, author) if event.post else None
        return [started or ev.ThreadStarted(event.circle, event.thread, author)]  # published next, as any new post
    if event.circle.is_local:
        await relay(site, event.circle, row.uri, object_uri=row.uri, ordering_key=event.thread.uri, now=now)
    return []


def render_moderation(site: Site, event: ev.Moderated, audience: Audience, group: Actor, now: datetime) -> dict:
    """The activity of a local moderator's action (undoing ones embed a fresh copy of what they undo, as Lemmy)."""
    by, target = event.actor.uri, event.object_uri
    new = site.uris.new_activity
    if event.action in (modlog.LOCK, modlog.UNLOCK):
        lock = render_lock(new(), by, target, audience, event.reason, now)
        return lock if event.action == modlog.LOCK else render_moderation_undo(new(), by, lock, audience, now)
    if event.action in (modlog.PIN, modlog.UNPIN):
        kind = "Add" if event.action == modlog.PIN else "Remove"
        return render_collection_change(kind, new(), by, target, featured_uri(group), audience, now)
    if event.action in (modlog.ADD_FACILITATOR, modlog.REMOVE_FACILITATOR):
        kind = "Add" if event.action == modlog.ADD_FACILITATOR else "Remove"
        return render_collection_change(kind, new(), by, target, moderators_uri(group), audience, now)
    block = render_block(
        event.activity_uri or new(), by, target, audience, reason=event.reason if event.reason_shared else "",
        expires=event.expires_at, remove_data=event.remove_data, published=now,
    )
    if event.action == modlog.BAN:
        return block
    return render_moderation_undo(new(), by, block, audience, now)


def featured_uri(group: Actor) -> str:
    """The Group's featured collection: as its document names it (remote circles), else circlefed's layout."""
    return _collection(group, "featured")


def moderators_uri(group: Actor) -> str:
    return _collection(group, "moderators")


def _collection(group: Actor, name: str) -> str:
    document = group.document if isinstance(group.document, dict) else {}
    named = document.get(name) or (document.get("attributedTo") if name == "moderators" else None)
    return named if isinstance(named, str) else f"{group.uri}/{name}"
