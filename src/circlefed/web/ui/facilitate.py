"""Web UI: the facilitator's start pages: the circles they facilitate and one circle's overview, with counts."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain.memberships import is_local_admin
from circlefed.storage.models import Circle, Membership, MembershipState, Role
from circlefed.web.ui import (
    facilitate_circle,
    facilitate_content,
    facilitate_invites,
    facilitate_log,
    facilitate_members,
    facilitate_queue,
    facilitate_reports,
)
from circlefed.web.ui.facilitate_common import Moderating, facilitator_page, page, waiting
from circlefed.web.ui.guards import login_required, viewer_actor
from circlefed.web.ui.render import render

SUBPAGES = [
    facilitate_queue,
    facilitate_reports,
    facilitate_content,
    facilitate_invites,
    facilitate_members,
    facilitate_circle,
    facilitate_log,
]


@login_required
async def index(request: web.Request) -> web.Response:
    """The circles the viewer facilitates (an admin: every circle hosted here)."""
    viewer = await viewer_actor(request)
    query = Circle.filter(is_local=True)
    if not await is_local_admin(viewer):
        facilitated = await Membership.filter(
            actor_id=viewer.id, role=Role.FACILITATOR, state=MembershipState.APPROVED
        ).values_list("circle_id", flat=True)
        query = query.filter(id__in=list(facilitated))
    circles = [(circle, await waiting(circle, viewer)) for circle in await query.order_by("name")]
    return await render(request, "ui/facilitate/index.html", {"circles": circles})


@facilitator_page
async def overview(request: web.Request, mod: Moderating) -> web.Response:
    return await page(request, mod, "ui/facilitate/overview.html", {})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/facilitate", index, name="facilitate_index")
    app.router.add_get("/c/{slug}/facilitate", overview, name="facilitate_overview")
    for module in SUBPAGES:
        module.add_routes(app)
