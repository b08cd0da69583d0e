"""Web UI: /admin/invites: create single-use invitation links (shown once) and revoke unused ones."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain.invites import create_invite, list_invites, revoke_invite
from circlefed.web.keys import CLOCK
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.guards import admin_required
from circlefed.web.ui.invite_links import DEFAULT_FORM, MAX_DAYS, read_invitation, registration_link
from circlefed.web.ui.render import redirect, render
from circlefed.web.ui.session import current_account

PAGE = "/admin/invites"


async def _page(request: web.Request, form: Form, *, status: int = 200, link: str | None = None) -> web.Response:
    invites = await list_invites(request.app[CLOCK].now())
    context = {"invites": invites, "form": form, "link": link, "max_days": MAX_DAYS}
    return await render(request, "ui/admin/invites.html", context, status=status)


@admin_required
async def invites_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, Form(DEFAULT_FORM))


@admin_required
async def create(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    note, expires_in = read_invitation(form)
    if not form.ok:
        return await _page(request, form, status=400)
    by = await current_account(request)
    created = await create_invite(by, now=request.app[CLOCK].now(), expires_in=expires_in, note=note)
    # Rendered, not redirected: the token is never stored, so this page is the only place it is shown.
    return await _page(request, Form(DEFAULT_FORM), link=registration_link(request, created.token))


@admin_required
async def revoke(request: web.Request) -> web.StreamResponse:
    await revoke_invite(int(request.match_info["id"]), request.app[CLOCK].now())
    return redirect(request, PAGE, "The invitation no longer works.")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, invites_page, name="admin_invites")
    app.router.add_post(PAGE, create)
    app.router.add_post(PAGE + r"/{id:\d+}/revoke", revoke)
