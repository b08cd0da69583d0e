"""Web API: statuses rendered as their reader may see them, a page at a time: authors named exactly as each circle's
pages name them (pseudonyms in circles that use them), likes and reply counts read once for the whole page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from aiohttp import web
from tortoise.functions import Count

from circlefed.domain.reactions import likes_of
from circlefed.domain.read_rule import row_level
from circlefed.protocol import mastodon_ids as ids
from circlefed.protocol.mastodon_status import AccountFacts, StatusFacts, render_status
from circlefed.storage.models import Account, Actor, Circle, Membership, Post, ReviewState, Thread, Visibility
from circlefed.web.api.accounts import AVATAR, HEADER
from circlefed.web.keys import SITE
from circlefed.web.ui.member_access import Access, circle_path, names, thread_path

# A row the reader may read now (status_views.readable_row), its thread and the reader's access to its circle.
Item = tuple[Thread | Post, Thread, Access]


def status_id(row: Thread | Post) -> str:
    return ids.status_id("thread" if isinstance(row, Thread) else "reply", row.id, row.published_at)


async def render_page(request: web.Request, items: list[Item]) -> list[dict]:
    """One Status per item, in order, all of one reader: a fixed number of queries for the page, and a few more for
    each circle its rows come from (how that circle names its authors)."""
    if not items:
        return []
    base = request.app[SITE].uris.base
    circles = {access.circle.id: access.circle for _, _, access in items}
    people: dict[int, set[int]] = defaultdict(set)  # circle id -> the authors its rows show
    for row, thread, access in items:
        people[access.circle.id] |= {row.author_id, thread.author_id}  # type: ignore[attr-defined]
    wanted = set().union(*people.values()) | {circle.actor_id for circle in circles.values()}  # type: ignore[attr-defined]
    actors = {actor.id: actor for actor in await Actor.filter(id__in=list(wanted))}
    authors = await authors_by_circle(
        base, {circle_id: (circles[circle_id], [actors[a] for a in shown]) for circle_id, shown in people.items()}
    )
    likes, mine = await likes_of(list(dict.fromkeys(row.uri for row, _, _ in items)), items[0][2].actor)
    replies = await _reply_counts([(row, access) for row, _, access in items if isinstance(row, Thread)])
    groups = {circle_id: _circle_facts(base, circle, actors[circle.actor_id]) for circle_id, circle in circles.items()}  # type: ignore[attr-defined]
    statuses = []
    for row, thread, access in items:
        circle = access.circle
        shown, is_thread = authors[circle.id], isinstance(row, Thread)
        page = base + thread_path(request, thread)
        facts = StatusFacts(
            id=status_id(row),
            uri=row.uri,
            url=page if is_thread else f"{page}#post-{row.id}",
            created_at=row.published_at,
            edited_at=row.edited_at,
            account=shown[row.author_id],  # type: ignore[attr-defined]
            content_html=row.content_html,
            content_warning=row.content_warning,
            public=row_level(circle, row.audience) is Visibility.PUBLIC,
            title=row.title if is_thread else None,
            in_reply_to_id=None if is_thread else status_id(thread),
            in_reply_to_account_id=None if is_thread else shown[thread.author_id].id,  # type: ignore[attr-defined]
            replies_count=replies.get(row.id, 0) if is_thread else 0,
            favourites_count=likes.get(row.uri, 0),
            favourited=row.uri in mine,
            circle=groups[circle.id] if is_thread else None,
        )
        statuses.append(render_status(facts))
    return statuses


async def _reply_counts(threads: list[tuple[Thread, Access]]) -> dict[int, int]:
    """Each thread's published replies the reader may read (their audiences), in one grouped query."""
    if not threads:
        return {}
    readable = {thread.id: set(access.audiences) for thread, access in threads}
    grouped = (
        await Post.filter(thread_id__in=list(readable), deleted_at=None, review_state=ReviewState.VISIBLE)
        .annotate(n=Count("id"))
        .group_by("thread_id", "audience")
        .values_list("thread_id", "audience", "n")
    )
    counts: dict[int, int] = defaultdict(int)
    for thread_id, audience, number in grouped:
        if Visibility(audience) in readable[thread_id]:
            counts[thread_id] += number
    return counts


async def authors_as_shown(base: str, circle: Circle, actors: list[Actor]) -> dict[int, AccountFacts]:
    """Each author as the circle's pages show them: their own account only where the page shows their own name;
    a pseudonym is an account of its own in this circle (its id from the membership, its page the circle's)."""
    return (await authors_by_circle(base, {circle.id: (circle, actors)}))[circle.id]


async def authors_by_circle(
    base: str, wanted: dict[int, tuple[Circle, list[Actor]]]
) -> dict[int, dict[int, AccountFacts]]:
    """authors_as_shown for many circles at once: the memberships and accounts behind the names in one query each."""
    everyone = {actor.id: actor for _, actors in wanted.values() for actor in actors}
    memberships = {}
    if everyone:
        found = Membership.filter(circle_id__in=list(wanted), actor_id__in=list(everyone))
        memberships = {(c, a): m for c, a, m in await found.values_list("circle_id", "actor_id", "id")}
    local = [actor_id for actor_id, actor in everyone.items() if actor.is_local]
    accounts = dict(await Account.filter(actor_id__in=local).values_list("actor_id", "id")) if local else {}
    facts: dict[int, dict[int, AccountFacts]] = {}
    for circle_id, (circle, actors) in wanted.items():
        shown = await names(circle, actors)
        facts[circle_id] = {
            actor.id: _author(base, circle, actor, shown[actor.id], memberships.get((circle.id, actor.id), 0), accounts)
            for actor in actors
        }
    return facts


def _author(base: str, circle: Circle, actor: Actor, label: str, membership: int, accounts: dict) -> AccountFacts:
    common = {"display_name": label, "avatar": base + AVATAR, "header": base + HEADER}
    name = actor.local_name if actor.is_local else actor.preferred_username
    remote_domain = label.rpartition(" · ")[2] if not actor.is_local else ""
    if actor.is_local and label == actor.local_name and actor.id in accounts:
        return AccountFacts(
            id=str(accounts[actor.id]), username=label, acct=label, url=actor.url or actor.uri, uri=actor.uri,
            created_at=actor.created_at, **common,
        )
    if not actor.is_local and name and label == f"{name} · {remote_domain}":
        return AccountFacts(
            id=ids.remote_account_id(actor.id), username=name, acct=f"{name}@{remote_domain}",
            url=actor.url or actor.uri, uri=actor.uri, **common,
        )
    # A name chosen or given in this circle: nothing leads from it to the account.
    circle_page = base + circle_path(circle)
    return AccountFacts(
        id=ids.pseudonym_account_id(membership), username=label, acct=label, url=circle_page, uri=circle_page,
        **common,
    )


async def circle_account_facts(base: str, circle: Circle) -> AccountFacts:
    return (await circle_accounts(base, [circle]))[circle.id]


async def circle_accounts(base: str, circles: Iterable[Circle]) -> dict[int, AccountFacts]:
    """Circles as group accounts, by circle id: their Group actors read in one query."""
    by_id = {circle.id: circle for circle in circles}
    groups = {actor.id: actor for actor in await Actor.filter(id__in=[c.actor_id for c in by_id.values()])}  # type: ignore[attr-defined]
    return {circle_id: _circle_facts(base, circle, groups[circle.actor_id]) for circle_id, circle in by_id.items()}  # type: ignore[attr-defined]


def _circle_facts(base: str, circle: Circle, group: Actor) -> AccountFacts:
    page = base + circle_path(circle)
    acct = circle.slug if circle.is_local else f"{circle.slug}@{group.uri.split('/')[2]}"
    return AccountFacts(
        id=ids.circle_account_id(circle.id), username=circle.slug, acct=acct, display_name=circle.name, url=page,
        uri=group.uri, avatar=base + AVATAR, header=base + HEADER, group=True,
    )
