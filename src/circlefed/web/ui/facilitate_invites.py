"""Web UI: /c/<slug>/facilitate/invites: facilitators make single-use links to their circle (shown once) and
revoke unused ones; whoever opens one joins at once, registering first if need be."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.domain.circle_invites import invite_to_circle
from circlefed.domain.invites import list_invites, revoke_invite
from circlefed.domain.registration import registration_mode
from circlefed.storage.models import Account
from circlefed.web.ui.facilitate_common import Moderating, facilitator_page, int_field, now, page
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.invite_links import DEFAULT_FORM, MAX_DAYS, circle_invitation_link, read_invitation
from circlefed.web.ui.render import redirect

log = logging.getLogger(__name__)


async def _page(
    request: web.Request, mod: Moderating, form: Form, *, status: int = 200, link: str | None = None
) -> web.Response:
    context = {
        "form": form,
        "link": link,
        "invites": await list_invites(now(request), mod.circle),
        "max_days": MAX_DAYS,
        "registration_mode": (await registration_mode()).value,
    }
    return await page(request, mod, "ui/facilitate/invites.html", context, status=status)


@facilitator_page
async def invites_page(request: web.Request, mod: Moderating) -> web.Response:
    return await _page(request, mod, Form(DEFAULT_FORM))


@facilitator_page
async def create(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    note, expires_in = read_invitation(form)
    if not form.ok:
        return await _page(request, mod, form, status=400)
    account = await Account.get(actor_id=mod.viewer.id)
    created = await invite_to_circle(mod.circle, account, now=now(request), note=note, expires_in=expires_in)
    # Rendered, not redirected: the token is never stored, so this page is the only place it is shown.
    return await _page(request, mod, Form(DEFAULT_FORM), link=circle_invitation_link(request, created.token))


@facilitator_page
async def revoke(request: web.Request, mod: Moderating) -> web.Response:
    invite_id = int_field(request.match_info["id"], "invitation")
    await revoke_invite(invite_id, now(request), mod.circle)
    log.info("circle %s: invite %d revoked by actor %s", mod.circle.id, invite_id, mod.viewer.id)
    return redirect(request, f"{mod.base}/invites", "The invitation no longer works.")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/c/{slug}/facilitate/invites", invites_page, name="facilitate_invites")
    app.router.add_post("/c/{slug}/facilitate/invites", create)
    app.router.add_post(r"/c/{slug}/facilitate/invites/{id:\d+}/revoke", revoke)
