"""Web UI: who may see a circle and read its content on the member pages, and how authors and links are shown."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from circlefed.domain.directory import not_found
from circlefed.domain.memberships import can_moderate
from circlefed.domain.pseudonyms import display_names
from circlefed.domain.read_rule import ReaderLevel, may_read_row, readable_audiences, reader_level_of
from circlefed.domain.standing import active_ban, needs_acknowledgement
from circlefed.errors import Forbidden
from circlefed.storage.models import (
    Account,
    Actor,
    Circle,
    CircleBan,
    Instance,
    Membership,
    MembershipState,
    Post,
    ReviewState,
    Thread,
    Visibility,
)
from circlefed.storage.visibility import is_hidden_author
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.page_cache import mark_shareable
from circlefed.web.ui.guards import viewer_actor
from circlefed.web.ui.session import current_account

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Access:
    """What the viewer may do in one circle they are allowed to see at all."""

    circle: Circle
    account: Account | None
    actor: Actor | None
    membership: Membership | None
    reader: ReaderLevel  # domain/read_rule.py: what of the circle's content the viewer may read now
    can_moderate: bool
    ban: CircleBan | None = None  # the viewer's ban from the circle while it lasts

    @property
    def audiences(self) -> list[Visibility]:
        """Row audiences the viewer may read (empty: none of the circle's threads, replies or authors)."""
        return readable_audiences(self.circle, self.reader)

    @property
    def can_read(self) -> bool:
        return bool(self.audiences)

    @property
    def is_member(self) -> bool:
        return self.membership is not None and self.membership.state is MembershipState.APPROVED

    @property
    def is_pending(self) -> bool:
        return self.membership is not None and self.membership.state is MembershipState.PENDING

    @property
    def must_acknowledge(self) -> bool:
        return self.is_member and needs_acknowledgement(self.circle, self.membership)

    @property
    def may_post(self) -> bool:
        """May start threads (the domain checks bans and everything else again when they do)."""
        restricted = self.circle.posting_restricted_to_mods and not self.can_moderate
        return self.is_member and not restricted and not self.must_acknowledge

    @property
    def path(self) -> str:
        return circle_path(self.circle)


def share_if_public(response: web.StreamResponse, access: Access) -> web.StreamResponse:
    """Let the page be kept for every anonymous reader when it is a public circle's, seen by nobody signed in
    (web/page_cache.py checks the rest: no cookie either way, a 200, nothing changed since)."""
    if access.circle.visibility is Visibility.PUBLIC and access.account is None:
        mark_shareable(response)
    return response


def circle_path(circle: Circle) -> str:
    """The circle's page here: /c/<slug> for circles hosted here, /circles/remote/<id> for joined remote ones."""
    return f"/c/{circle.slug}" if circle.is_local else f"/circles/remote/{circle.id}"


async def circle_access(request: web.Request, circle: Circle) -> Access:
    """The viewer's access to `circle`, or the same NotFound as a missing circle when they may not see it."""
    account, actor = await current_account(request), await viewer_actor(request)
    return await access_for(circle, account, actor, request.app[CLOCK].now())


async def access_for(circle: Circle, account: Account | None, actor: Actor | None, now: datetime) -> Access:
    """circle_access for a viewer known otherwise (an app's token names its member): the same rule."""
    membership = None
    if actor is not None:
        membership = await Membership.get_or_none(circle_id=circle.id, actor_id=actor.id)
        if membership is not None and membership.state is MembershipState.REJECTED:
            membership = None
    if not _may_see(circle, account, membership):
        raise not_found()
    moderates = actor is not None and await can_moderate(circle, actor)
    ban = None
    if membership is not None and membership.state is MembershipState.BANNED:
        ban = await active_ban(circle, actor, now)
    reader = reader_level_of(actor, membership)
    return Access(circle, account, actor, membership, reader, can_moderate=moderates, ban=ban)


def _may_see(circle: Circle, account: Account | None, membership: Membership | None) -> bool:
    if circle.is_local:
        # Names, descriptions and rules of members circles are in their Group documents anyway; local ones
        # exist for signed-in members of this instance only.
        return circle.visibility is not Visibility.LOCAL or account is not None
    # A remote circle: what is stored here, for members of this instance only.
    return account is not None and (membership is not None or circle.visibility is Visibility.PUBLIC)


async def readable_access(request: web.Request, circle: Circle) -> Access:
    """Access for pages showing content: a viewer who may not read it gets the same NotFound as for nothing."""
    access = await circle_access(request, circle)
    if not access.can_read:
        raise not_found()
    return access


async def local_circle(slug: str) -> Circle:
    circle = await Circle.get_or_none(slug=slug, is_local=True)
    if circle is None:
        raise not_found()
    return circle


async def remote_circle(raw_id: str) -> Circle:
    circle = await Circle.get_or_none(id=int(raw_id), is_local=False) if raw_id.isdigit() else None
    if circle is None:
        raise not_found()
    return circle


async def circle_of_request(request: web.Request) -> Circle:
    """The circle a /c/<slug>/... or /circles/remote/<id>/... path names."""
    if "slug" in request.match_info:
        return await local_circle(request.match_info["slug"])
    return await remote_circle(request.match_info["circle_id"])


async def thread_with_access(request: web.Request, thread: Thread) -> Access:
    """The viewer's access to a thread's circle, NotFound when they may not read the thread."""
    return await readable_thread_access(await circle_access(request, await Circle.get(id=thread.circle_id)), thread)


async def readable_thread_access(access: Access, thread: Thread) -> Access:
    """The same access when the viewer may read the thread, else NotFound (thread_with_access's rule)."""
    if not access.can_read:
        raise not_found()
    if not may_see_row(thread, access) or await is_hidden_author(thread.author_id):
        raise not_found()
    return access


def may_see_row(row: Thread | Post, access: Access) -> bool:
    """The read rule for one row (its audience and the circle's level now), and held or rejected content is
    its author's alone here (facilitators review it in their queue)."""
    if not may_read_row(access.circle, row, access.reader):
        return False
    if row.review_state is ReviewState.VISIBLE:
        return True
    return access.actor is not None and row.author_id == access.actor.id


def thread_path(request: web.Request, thread: Thread) -> str:
    """/t/<token> for threads made here, /threads/<id> for threads stored from other instances."""
    prefix = f"{request.app[SITE].uris.base}/t/"
    if thread.uri.startswith(prefix):
        return "/t/" + thread.uri[len(prefix) :]
    return f"/threads/{thread.id}"


async def author_labels(circle: Circle, actor_ids: set[int]) -> dict[int, str]:
    """How each author is shown: see names()."""
    if not actor_ids:
        return {}
    return await names(circle, await Actor.filter(id__in=actor_ids))


async def names(
    circle: Circle, actors: Iterable[Actor | None], *, for_facilitators: bool = False
) -> dict[int, str]:
    """How each actor is shown in this circle (domain/pseudonyms.py display_names); remote ones with their
    instance ("sam · lemmy.example"). `for_facilitators`: the circle's facilitators' pages, which also name the
    account behind a local member's name in the circle ("Member 1a2b3c (noah)"), so that they can reach out."""
    by_id = {actor.id: actor for actor in actors if actor is not None}
    if not by_id:
        return {}
    shown = await display_names(circle, by_id.values())
    remote_instances = {a.instance_id for a in by_id.values() if not a.is_local}  # type: ignore[attr-defined]
    domains = dict(await Instance.filter(id__in=list(remote_instances or [0])).values_list("id", "domain"))
    for actor_id, actor in by_id.items():
        if not actor.is_local:
            shown[actor_id] = f"{shown[actor_id]} · {domains.get(actor.instance_id, '?')}"  # type: ignore[attr-defined]
        elif for_facilitators and actor.local_name and shown[actor_id] != actor.local_name:
            shown[actor_id] = f"{shown[actor_id]} ({actor.local_name})"
    return shown


def require_posting(access: Access) -> Access:
    """A member who may start a thread here now; else the refusal the compose page and the client API both give."""
    if access.must_acknowledge:
        raise Forbidden("The ground rules of this circle changed. Accept them on the circle's page, then post.")
    if not access.may_post:
        raise Forbidden("Only members of this circle can start threads here.")
    return access


def require_reportable(row: Thread | Post, access: Access) -> None:
    """A member may report someone else's post of their circle (the report page and the client API alike)."""
    if not access.is_member or access.actor is None:
        raise Forbidden("Only members of this circle can report its posts.")
    if row.author_id == access.actor.id:  # type: ignore[attr-defined]
        raise Forbidden("You cannot report your own post. You can edit or delete it.")
