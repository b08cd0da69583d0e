"""Web UI: /circles/new: starting a circle with its name, description, ground rules, level, join approval and
retention, for whoever the admin's setting allows; the founder becomes its first facilitator."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.domain.circle_founding import CirclePlan, found_circle, levels_for, may_create_circles
from circlefed.domain.circles import MAX_DESCRIPTION, MAX_NAME
from circlefed.domain.rules import MAX_RULES_LENGTH
from circlefed.errors import BadRequest, Conflict, Forbidden
from circlefed.storage.models import Actor, Visibility
from circlefed.web.keys import CLOCK, SETTINGS, SITE
from circlefed.web.ui.facilitate_circle import read_retention
from circlefed.web.ui.forms import Form, as_sentence, read_form
from circlefed.web.ui.guards import login_required, viewer_actor
from circlefed.web.ui.render import redirect, render

log = logging.getLogger(__name__)
PAGE = "/circles/new"


async def _founder(request: web.Request) -> Actor:
    """The signed-in member, if the admin's setting lets them start circles (a 403 page that says who may)."""
    founder = await viewer_actor(request)
    assert founder is not None  # login_required
    if not await may_create_circles(founder):
        log.info("refused starting a circle to actor %s: not allowed by the instance setting", founder.id)
        raise Forbidden("Only the admins of this instance start circles here. Ask one of them to start yours.")
    return founder


async def _page(request: web.Request, founder: Actor, form: Form, *, status: int = 200) -> web.Response:
    context = {
        "form": form,
        "levels": await levels_for(founder, request.app[SETTINGS].confidentiality.facilitator_visibilities),
        "max_name": MAX_NAME,
        "max_description": MAX_DESCRIPTION,
        "max_rules": MAX_RULES_LENGTH,
    }
    return await render(request, "ui/member/circle_new.html", context, status=status)


@login_required
async def new_circle_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, await _founder(request), Form({"visibility": "members", "requires_approval": "on"}))


def _read_plan(form: Form, levels: tuple[str, ...]) -> CirclePlan:
    slug = form.text("slug", label="Short name", required=True, max_length=30).lower()
    name = form.text("name", label="Name", required=True, max_length=MAX_NAME)
    description = form.text("description", label="Description", max_length=MAX_DESCRIPTION)
    rules = form.text("rules", label="Ground rules", max_length=MAX_RULES_LENGTH)
    level = form.choice("visibility", levels, label="Who can see the circle")
    approval = form.checkbox("requires_approval")
    retention = read_retention(form)
    if level and level != "public" and not approval:
        form.error("requires_approval", "Members and local circles always ask a facilitator to approve each join.")
    visibility = Visibility(level) if level in levels else Visibility.MEMBERS
    return CirclePlan(slug, name, description, rules, visibility, approval, retention)


@login_required
async def create(request: web.Request) -> web.StreamResponse:
    founder = await _founder(request)
    form = await read_form(request)
    plan = _read_plan(form, await levels_for(founder, request.app[SETTINGS].confidentiality.facilitator_visibilities))
    if not form.ok:
        return await _page(request, founder, form, status=400)
    choices = request.app[SETTINGS].confidentiality.facilitator_visibilities
    try:
        circle = await found_circle(
            request.app[SITE], plan, founder, facilitator_choices=choices, now=request.app[CLOCK].now()
        )
    except (BadRequest, Conflict) as exc:
        form.error("slug", as_sentence(exc.message))
        log.info("refused starting a circle for actor %s: %s", founder.id, exc.message)
        return await _page(request, founder, form, status=exc.status)
    return redirect(request, f"/c/{circle.slug}", f"{circle.name} is ready. You are its facilitator.")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, new_circle_page, name="circle_new")
    app.router.add_post(PAGE, create)
