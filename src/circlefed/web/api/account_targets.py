"""Web API: what a Mastodon account id names (a member, a name in one circle, a remote author, a circle) when the
reader may see it, as an Account; anything else raises the one NotFound a missing id raises.

A circle is seen by who may see its page (member_access.py access_for). A member's own account is their public
profile (/u/<name>). A name in a circle and a remote author are seen only through a status the reader may read
that shows them so (status_views.py): a membership nobody can see on a page is never shown here either."""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape

from aiohttp import web

from circlefed.domain.directory import not_found
from circlefed.errors import NotFound
from circlefed.protocol import mastodon_ids as ids
from circlefed.protocol.mastodon_status import render_account
from circlefed.storage.models import Account, Actor, Circle, Membership, Post, ReviewState, Thread, Visibility
from circlefed.storage.visibility import visible_threads
from circlefed.web.api.accounts import own_account
from circlefed.web.api.status_views import Viewer, circle_account_facts, readable_status, render_statuses, status_id
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.ui.member_access import Access, access_for

MEMBER, PSEUDONYM, REMOTE, CIRCLE = "member", "pseudonym", "remote", "circle"
SCAN = 40  # an author's rows looked at, newest first, for one the reader may read


@dataclass(frozen=True)
class Target:
    """An account the reader may see: its kind, its Account JSON and what it stands for."""

    kind: str
    id: str
    shown: dict
    circle: Circle | None = None
    access: Access | None = None  # the reader's access to the circle (kind circle)
    actor: Actor | None = None  # the member's, the name's or the remote author's actor
    own: bool = False  # the reader's own account


def parse_account_ref(raw: str) -> tuple[str, int] | None:
    """(kind, row id) an account id names (protocol/mastodon_ids.py ranges), or None for anything else."""
    if not raw.isascii() or not raw.isdigit() or raw.startswith("0") or len(raw) > 16:
        return None
    number = int(raw)
    for kind, base in ((CIRCLE, ids.CIRCLE_BASE), (REMOTE, ids.REMOTE_BASE), (PSEUDONYM, ids.PSEUDONYM_BASE)):
        if number >= base:
            row = number - base
            return (kind, row) if 0 < row < ids.PSEUDONYM_BASE else None
    return MEMBER, number


async def target_of(request: web.Request, raw: str, viewer: Viewer) -> Target:
    ref = parse_account_ref(raw)
    if ref is None:
        raise not_found()
    kind, row_id = ref
    if kind == CIRCLE:
        return await circle_target(request, await _circle(row_id), viewer)
    if kind == MEMBER:
        account = await Account.get_or_none(id=row_id).select_related("actor")
        if account is None:
            raise not_found()
        return await member_target(request, account, viewer)
    if kind == PSEUDONYM:
        return await _pseudonym(request, raw, row_id, viewer)
    actor = await Actor.filter(id=row_id, is_local=False).exclude(type="Group").first()
    if actor is None:
        raise not_found()
    return await remote_target(request, actor, viewer)


async def visible_circle(request: web.Request, circle_id: int, viewer: Viewer) -> Access:
    """The reader's access to the circle an account id names, when they may see its page (else NotFound)."""
    return await access_for(await _circle(circle_id), viewer.account, viewer.actor, request.app[CLOCK].now())


async def _circle(circle_id: int) -> Circle:
    circle = await Circle.get_or_none(id=circle_id)
    if circle is None:
        raise not_found()
    return circle


async def circle_target(request: web.Request, circle: Circle, viewer: Viewer) -> Target:
    """A circle as a group account, to who may see its page (else NotFound, as for no circle)."""
    access = await access_for(circle, viewer.account, viewer.actor, request.app[CLOCK].now())
    facts = replace(await circle_account_facts(request.app[SITE].uris.base, circle), created_at=circle.created_at)
    shown = render_account(facts) | {
        "display_name": circle.name,
        "note": f"<p>{escape(circle.description)}</p>" if circle.description.strip() else "",
        # Joining needs a facilitator's approval (members and local circles always ask).
        "locked": circle.requires_approval or circle.visibility is not Visibility.PUBLIC,
        "statuses_count": await _thread_count(access),
    }
    return Target(CIRCLE, facts.id, shown, circle=circle, access=access)


async def member_target(request: web.Request, account: Account, viewer: Viewer) -> Target:
    """A member's public profile: a live account, the counts of public circles for the member alone."""
    actor: Actor = account.actor  # type: ignore[assignment]
    if not account.is_approved or account.is_disabled or actor.deleted_at is not None:
        raise not_found()
    own = viewer.account is not None and viewer.account.id == account.id
    shown = await own_account(request.app[SITE].uris.base, account, actor)
    del shown["source"]
    if not own:  # how many circles, how many posts: the member's own business
        shown |= {"following_count": 0, "statuses_count": 0}
    return Target(MEMBER, str(account.id), shown, actor=actor, own=own)


async def remote_target(request: web.Request, actor: Actor, viewer: Viewer) -> Target:
    """A remote author, as a status the reader may read shows them under this id."""
    raw = ids.remote_account_id(actor.id)
    rows = [Thread.filter(author_id=actor.id), Post.filter(author_id=actor.id)]
    return Target(REMOTE, raw, await _shown_author(request, viewer, raw, rows), actor=actor)


async def _pseudonym(request: web.Request, raw: str, membership_id: int, viewer: Viewer) -> Target:
    membership = await Membership.get_or_none(id=membership_id).select_related("circle", "actor")
    if membership is None:
        raise not_found()
    circle, actor = membership.circle, membership.actor
    rows = [Thread.filter(author_id=actor.id, circle_id=circle.id),
            Post.filter(author_id=actor.id, thread__circle_id=circle.id)]
    return Target(PSEUDONYM, raw, await _shown_author(request, viewer, raw, rows), circle=circle, actor=actor)


async def _shown_author(request: web.Request, viewer: Viewer, raw: str, queries: list) -> dict:
    """The account a status the reader may read names as its author, when that is the id asked for."""
    candidates: list[Thread | Post] = []
    for query in queries:
        candidates += await query.filter(deleted_at=None).order_by("-published_at").limit(SCAN)
    candidates.sort(key=lambda row: row.published_at, reverse=True)
    for row in candidates[:SCAN]:
        status = await shown_status(request, viewer, row)
        if status is not None and status["account"]["id"] == raw:
            return status["account"]
    raise not_found()


async def shown_status(request: web.Request, viewer: Viewer, row: Thread | Post) -> dict | None:
    """The row as a Status when the reader may read it now (the one read rule: status_views.readable_status)."""
    try:
        readable = await readable_status(status_id(row), viewer, request.app[CLOCK].now())
    except NotFound:
        return None
    (status,) = await render_statuses(request, readable.access, readable.thread, [readable.row])
    return status


async def _thread_count(access: Access) -> int:
    if not access.can_read:
        return 0
    threads = Thread.filter(
        circle_id=access.circle.id, audience__in=access.audiences, deleted_at=None, review_state=ReviewState.VISIBLE
    )
    return await (await visible_threads(threads, public=True)).count()
