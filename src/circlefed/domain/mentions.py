"""Domain: mentions in local posts: whom `@name` names in a circle (its approved members, by the names the circle
shows them by, never by a username it hides), the post rendered with them, and the members a post names told once.

A circle that shows a member by their username in public (no name of their own in it) links `@robin` to their
page, and `@robin@<this instance>` names them too; wherever a member is shown by a generated or chosen name, that
name is the only way to mention them (`@Member 1a2b3c`, `@Quiet Fern`: spaces included) and it links nowhere
(a span), so that `@robin` there names nobody and tells nothing of who is a member. Remote members are named by
their handle (`@sam@lemmy.example`), and in a public circle so is any remote person this instance knows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from circlefed.domain.content import extract_mentions, mentioned_in, render_markdown
from circlefed.domain.events import PostApproved, ReplyEdited, ReplyPosted, ThreadEdited, ThreadStarted
from circlefed.domain.markup_rules import MentionBook, Mentioned
from circlefed.domain.pseudonyms import display_names
from circlefed.storage.models import (
    Account,
    Actor,
    Circle,
    Instance,
    Membership,
    MembershipState,
    Notification,
    NotificationKind,
    Post,
    ReviewState,
    Revision,
    Thread,
    Visibility,
)

log = logging.getLogger(__name__)
TOLD_OF_A_POST = (NotificationKind.REPLY, NotificationKind.MENTION)  # a member told of a post is not told again


async def render_post(circle: Circle, author: Actor, source: str) -> str:
    """A local post's HTML (domain/content.py render_markdown) with its mentions as this circle shows them."""
    return render_markdown(source, await mention_book(circle, author, source))


async def mention_book(circle: Circle, author: Actor, source: str) -> MentionBook | None:
    """Whom a post by `author` in `circle` may name (see the module's rule); None when the text has no "@"."""
    if "@" not in source:
        return None
    members = Membership.filter(circle_id=circle.id, state=MembershipState.APPROVED).select_related("actor")
    people = [membership.actor for membership in await members]
    people = [actor for actor in people if not actor.is_local or actor.type == "Person"]
    shown = await display_names(circle, people)
    domains = await _domains([author, *people])
    in_public = circle.visibility is Visibility.PUBLIC
    names: dict[str, Mentioned] = {}
    handles: dict[str, Mentioned] = {}
    for actor in people:
        if not actor.is_local:
            handle = f"{actor.preferred_username}@{domains[actor.instance_id]}"  # type: ignore[attr-defined]
            handles[handle] = Mentioned(actor.id, handle, actor.url or actor.uri)
            continue
        as_themselves = in_public and shown[actor.id] == actor.local_name
        who = Mentioned(actor.id, shown[actor.id], actor.uri if as_themselves else None)
        names[who.label] = who
        if as_themselves:
            handles[f"{actor.local_name}@{domains[author.instance_id]}"] = who  # type: ignore[attr-defined]
    if in_public:
        handles = await _known_elsewhere(source, handles, domains[author.instance_id]) | handles  # type: ignore[attr-defined]
    return MentionBook(names, handles)


async def _domains(actors: Iterable[Actor]) -> dict[int, str]:
    wanted = {actor.instance_id for actor in actors}  # type: ignore[attr-defined]
    return dict(await Instance.filter(id__in=list(wanted)).values_list("id", "domain"))


async def _known_elsewhere(source: str, known: dict[str, Mentioned], here: str) -> dict[str, Mentioned]:
    """People of other instances this one knows, by the handles the text writes (a public circle's posts may
    name anyone, as any public post may)."""
    written = {
        f"{m.name}@{m.domain}".casefold(): m for m in extract_mentions(source) if m.domain not in (None, here.lower())
    }
    wanted = {handle: m for handle, m in written.items() if handle not in {h.casefold() for h in known}}
    if not wanted:
        return {}
    found = Actor.filter(
        is_local=False, type="Person", deleted_at__isnull=True,
        preferred_username__in=[m.name for m in wanted.values()],
        instance__domain__in=[m.domain for m in wanted.values()],
    ).select_related("instance")
    handles = {}
    for actor in await found:
        handle = f"{actor.preferred_username}@{actor.instance.domain}"
        if handle.casefold() in wanted:
            handles[handle] = Mentioned(actor.id, handle, actor.url or actor.uri)
    return handles


async def mentioned_people(circle: Circle, row: Thread | Post) -> list[tuple[Mentioned, Actor]]:
    """Whom a local post names, as its text shows them, with their actors (its federated Mention tags); nobody for
    a remote author's post."""
    author = await Actor.get(id=row.author_id)  # type: ignore[attr-defined]
    book = await mention_book(circle, author, row.source) if author.is_local else None
    if book is None:
        return []
    named = mentioned_in(row.source, book)
    actors = {actor.id: actor for actor in await Actor.filter(id__in=[who.actor_id for who in named])}
    return [(who, actors[who.actor_id]) for who in named if who.actor_id in actors]


# --- telling the members a post names ----------------------------------------------------------------------


async def mention_notices(event: Any, told: list[Notification], now: datetime) -> list[Notification]:
    """The mention notifications a posted, edited or approved local post causes: each member it names who was
    not told of it yet (`told`: what the same event tells already, a reply to them), never its author. An edit
    tells only whom no earlier version of the post named: a member is told of a post once."""
    found = await _about(event)
    if found is None:
        return []
    circle, thread, row, edited = found
    author = await Actor.get(id=row.author_id)  # type: ignore[attr-defined]
    if not author.is_local or row.review_state is not ReviewState.VISIBLE or row.deleted_at is not None:
        return []
    earlier = await _earlier_sources(row) if edited else []
    book = await mention_book(circle, author, "\n".join([row.source, *earlier]))
    if book is None:
        return []
    named = {who.actor_id for who in mentioned_in(row.source, book)} - {author.id}
    for source in earlier:
        named -= {who.actor_id for who in mentioned_in(source, book)}
    post_id = row.id if isinstance(row, Post) else None
    accounts = await _not_told(named, thread.id, post_id, told)
    return [
        Notification(
            account_id=account, kind=NotificationKind.MENTION, actor_id=author.id, circle_id=circle.id,
            thread_id=thread.id, post_id=post_id, created_at=now,
        )
        for account in accounts
    ]


async def _about(event: Any) -> tuple[Circle, Thread, Thread | Post, bool] | None:
    """(circle, thread, the post, whether it was edited) of an event that shows a post anew; else None."""
    if isinstance(event, ThreadStarted | ThreadEdited):
        return event.circle, event.thread, event.thread, isinstance(event, ThreadEdited)
    if isinstance(event, ReplyPosted | ReplyEdited):
        return event.circle, event.thread, event.post, isinstance(event, ReplyEdited)
    if isinstance(event, PostApproved):
        return event.circle, event.thread, event.post or event.thread, False
    return None


async def _earlier_sources(row: Thread | Post) -> list[str]:
    """The texts the post showed before (held edits never shown are not among them)."""
    owner = {"thread_id": row.id} if isinstance(row, Thread) else {"post_id": row.id}
    return list(await Revision.filter(**owner, is_proposal=False).values_list("source", flat=True))


async def _not_told(actor_ids: set[int], thread_id: int, post_id: int | None, told: list[Notification]) -> list[int]:
    """The accounts of these actors that no notification tells of this post yet."""
    if not actor_ids:
        return []
    accounts = set(await Account.filter(actor_id__in=actor_ids).values_list("id", flat=True))
    about = {"thread_id": thread_id, "post_id": post_id, "kind__in": TOLD_OF_A_POST}
    already = set(await Notification.filter(account_id__in=accounts, **about).values_list("account_id", flat=True))
    already |= {
        n.account_id  # type: ignore[attr-defined]
        for n in told
        if n.kind in TOLD_OF_A_POST and (n.thread_id, n.post_id) == (thread_id, post_id)  # type: ignore[attr-defined]
    }
    if accounts & already:
        log.info("mentions: %d named member(s) already told of this post: not told again", len(accounts & already))
    return sorted(accounts - already)
