"""Web UI: what every facilitator page shares: the moderated circle, what waits for it, acting and redirecting."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web

from circlefed.domain import reports
from circlefed.domain.memberships import can_moderate
from circlefed.errors import BadRequest, Forbidden, NotFound
from circlefed.storage.models import Actor, Circle, Membership, MembershipState, Post, ReviewState, Thread
from circlefed.web.keys import CLOCK
from circlefed.web.ui.guards import login_url, safe_next, viewer_actor
from circlefed.web.ui.render import render

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Moderating:
    """The circle a facilitator page is about and the moderator looking at it."""

    circle: Circle
    viewer: Actor

    @property
    def base(self) -> str:
        return f"/c/{self.circle.slug}/facilitate"


class SignInFirst(Exception):
    """Raised inside a page when nobody is signed in: the handler answers with the login redirect."""


async def moderating(request: web.Request) -> Moderating:
    """The local circle of the URL and the signed-in viewer, who must moderate it (403 page otherwise)."""
    circle = await Circle.get_or_none(slug=request.match_info["slug"], is_local=True)
    if circle is None:
        raise NotFound("There is no circle with that name here.")
    viewer = await viewer_actor(request)
    if viewer is None:
        raise SignInFirst
    if not await can_moderate(circle, viewer):
        log.info("refused %s %s to actor %s: not a moderator", request.method, request.path, viewer.id)
        raise Forbidden("These pages are for the circle's facilitators. Ask one of them if you think you should help.")
    return Moderating(circle, viewer)


def facilitator_page(handler):
    """Wrap a handler(request, mod): signed-out visitors go to the login page, non-moderators get a 403 page."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            mod = await moderating(request)
        except SignInFirst:
            return web.Response(status=303, headers={"Location": login_url(request)})
        return await handler(request, mod)

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


def now(request: web.Request):
    return request.app[CLOCK].now()


async def waiting(circle: Circle, viewer: Actor) -> dict[str, int]:
    """What waits for this facilitator in the circle: join requests, held posts, open reports (not those about
    the viewer: the other facilitators or the admins handle them)."""
    held = {"review_state": ReviewState.HELD, "deleted_at__isnull": True}
    open_reports = await reports.reports_query(viewer, circle=circle)
    return {
        "requests": await Membership.filter(circle_id=circle.id, state=MembershipState.PENDING).count(),
        "held": await Thread.filter(circle_id=circle.id, **held).count()
        + await Post.filter(thread__circle_id=circle.id, **held).count(),
        "reports": await open_reports.count(),
    }


async def page(request: web.Request, mod: Moderating, template: str, context: dict, *, status: int = 200):
    """A facilitator page; its navigation shows what waits (`counts`)."""
    base = {"circle": mod.circle, "base": mod.base, "counts": await waiting(mod.circle, mod.viewer)}
    return await render(request, template, {**base, **context}, status=status)


def back(request: web.Request, form_next: str, mod: Moderating) -> str:
    """Where to go after an action: the form's `next` or the page it was sent from (a path on this site), else the
    circle's facilitator overview."""
    if form_next:
        return safe_next(form_next, mod.base)
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc == request.host and referer.path:
        return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""), mod.base)
    return mod.base


def int_field(value: str, what: str) -> int:
    """A database id sent by one of our forms; a clear 400 for anything else."""
    if not value.strip().isdigit():
        raise BadRequest(f"The form did not say which {what} you meant. Go back and try again.")
    return int(value)
