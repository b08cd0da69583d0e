"""Web API: finding the status an app names, by the web pages' own read rule (member_access.py), and rendering
statuses as the reader may see them (authors named as the thread page names them, never more)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from circlefed.domain.directory import not_found
from circlefed.domain.reactions import likes_of
from circlefed.domain.read_rule import row_level
from circlefed.protocol import mastodon_ids as ids
from circlefed.protocol.mastodon_status import AccountFacts, StatusFacts, render_status
from circlefed.storage.models import (
    Account,
    Actor,
    Circle,
    Membership,
    Post,
    ReviewState,
    Thread,
    Visibility,
)
from circlefed.storage.visibility import is_hidden_author
from circlefed.web.api.accounts import AVATAR, HEADER
from circlefed.web.api.auth import TOKEN
from circlefed.web.keys import SITE
from circlefed.web.ui.member_access import (
    Access,
    access_for,
    circle_path,
    may_see_row,
    names,
    readable_thread_access,
    thread_path,
)


@dataclass(frozen=True)
class Viewer:
    """Who reads: the token's member, or nobody (no token, or an app-only one)."""

    account: Account | None
    actor: Actor | None


@dataclass(frozen=True)
class Readable:
    row: Thread | Post
    thread: Thread
    access: Access


async def viewer_of(request: web.Request) -> Viewer:
    token = request.get(TOKEN)
    account = token.account if token is not None else None
    if account is None:
        return Viewer(None, None)
    return Viewer(account, await Actor.get(id=account.actor_id))  # type: ignore[attr-defined]


async def readable_status(raw: str, viewer: Viewer, now: datetime) -> Readable:
    """The thread or reply a status id names when the viewer may read it now (the thread page's rule: the
    circle's level, the row's audience, bans, held rows for their author only, hidden instances); deleted ones
    are gone. Anything else raises the one NotFound a missing id raises too."""
    ref = ids.parse_status_id(raw)
    row = await _row_named(ref) if ref is not None else None
    if row is None:
        raise not_found()
    thread = row if isinstance(row, Thread) else await Thread.get(id=row.thread_id)
    if thread.deleted_at is not None:
        raise not_found()
    access = await access_for(await Circle.get(id=thread.circle_id), viewer.account, viewer.actor, now)
    access = await readable_thread_access(access, thread)
    if not may_see_row(row, access) or await is_hidden_author(row.author_id):
        raise not_found()
    return Readable(row, thread, access)


async def _row_named(ref: ids.StatusRef) -> Thread | Post | None:
    """The live row published in the id's millisecond with its row bits (rows sharing both: the first)."""
    model: type[Thread] | type[Post] = Thread if ref.kind == "thread" else Post
    start, end = ref.window()
    rows = await model.filter(published_at__gte=start, published_at__lt=end, deleted_at=None).order_by("id")
    return next((row for row in rows if ref.names(row.id)), None)


def source_text(readable: Readable) -> str:
    """What the author wrote, as a status's text: a thread starts with its circle's mention and its title."""
    row = readable.row
    if not isinstance(row, Thread):
        return row.source
    circle = readable.access.circle
    mention = f"@{circle.slug} " if circle.is_local else ""
    return f"{mention}{row.title}\n\n{row.source}"


def status_id(row: Thread | Post) -> str:
    return ids.status_id("thread" if isinstance(row, Thread) else "reply", row.id, row.published_at)


async def render_statuses(
    request: web.Request, access: Access, thread: Thread, rows: list[Thread | Post]
) -> list[dict]:
    """Statuses of one thread's rows as this viewer may see them."""
    base = request.app[SITE].uris.base
    circle = access.circle
    actors = await Actor.filter(id__in=list({row.author_id for row in [thread, *rows]}))  # type: ignore[attr-defined]
    authors = await authors_as_shown(base, circle, actors)
    uris = [row.uri for row in rows]
    likes, mine = await likes_of(uris, access.actor)
    page = base + thread_path(request, thread)
    circle_facts = await circle_account_facts(base, circle)
    thread_author = authors[thread.author_id]  # type: ignore[attr-defined]
    statuses = []
    for row in rows:
        is_thread = isinstance(row, Thread)
        facts = StatusFacts(
            id=status_id(row),
            uri=row.uri,
            url=page if is_thread else f"{page}#post-{row.id}",
            created_at=row.published_at,
            edited_at=row.edited_at,
            account=authors[row.author_id],  # type: ignore[attr-defined]
            content_html=row.content_html,
            content_warning=row.content_warning,
            public=row_level(circle, row.audience) is Visibility.PUBLIC,
            title=row.title if is_thread else None,
            in_reply_to_id=None if is_thread else status_id(thread),
            in_reply_to_account_id=None if is_thread else thread_author.id,
            replies_count=await _reply_count(thread, access) if is_thread else 0,
            favourites_count=likes.get(row.uri, 0),
            favourited=row.uri in mine,
            circle=circle_facts if is_thread else None,
        )
        statuses.append(render_status(facts))
    return statuses


async def _reply_count(thread: Thread, access: Access) -> int:
    return await Post.filter(
        thread_id=thread.id, deleted_at=None, review_state=ReviewState.VISIBLE, audience__in=access.audiences
    ).count()


async def authors_as_shown(base: str, circle: Circle, actors: list[Actor]) -> dict[int, AccountFacts]:
    """Each author as the circle's pages show them: their own account only where the page shows their own name;
    a pseudonym is an account of its own in this circle (its id from the membership, its page the circle's)."""
    shown = await names(circle, actors)
    memberships = dict(
        await Membership.filter(circle_id=circle.id, actor_id__in=[a.id for a in actors]).values_list("actor_id", "id")
    )
    local_accounts = dict(
        await Account.filter(actor_id__in=[a.id for a in actors if a.is_local]).values_list("actor_id", "id")
    )
    circle_page = base + circle_path(circle)
    facts = {}
    for actor in actors:
        label = shown[actor.id]
        common = {"display_name": label, "avatar": base + AVATAR, "header": base + HEADER}
        name = actor.local_name if actor.is_local else actor.preferred_username
        remote_domain = label.rpartition(" · ")[2] if not actor.is_local else ""
        if actor.is_local and label == actor.local_name and actor.id in local_accounts:
            facts[actor.id] = AccountFacts(
                id=str(local_accounts[actor.id]), username=label, acct=label, url=actor.url or actor.uri,
                uri=actor.uri, created_at=actor.created_at, **common,
            )
        elif not actor.is_local and name and label == f"{name} · {remote_domain}":
            facts[actor.id] = AccountFacts(
                id=ids.remote_account_id(actor.id), username=name, acct=f"{name}@{remote_domain}",
                url=actor.url or actor.uri, uri=actor.uri, **common,
            )
        else:  # a name chosen or given in this circle: nothing leads from it to the account
            facts[actor.id] = AccountFacts(
                id=ids.pseudonym_account_id(memberships.get(actor.id, 0)), username=label, acct=label,
                url=circle_page, uri=circle_page, **common,
            )
    return facts


async def circle_account_facts(base: str, circle: Circle) -> AccountFacts:
    group = await Actor.get(id=circle.actor_id)  # type: ignore[attr-defined]
    page = base + circle_path(circle)
    acct = circle.slug if circle.is_local else f"{circle.slug}@{group.uri.split('/')[2]}"
    return AccountFacts(
        id=ids.circle_account_id(circle.id), username=circle.slug, acct=acct, display_name=circle.name, url=page,
        uri=group.uri, avatar=base + AVATAR, header=base + HEADER, group=True,
    )
