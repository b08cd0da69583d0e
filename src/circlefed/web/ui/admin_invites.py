"""Web UI: /admin/invites: create single-use invitation links (shown once) and revoke unused ones."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from circlefed.domain.invites import create_invite, list_invites, revoke_invite
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.guards import admin_required
from circlefed.web.ui.render import redirect, render
from circlefed.web.ui.session import current_account

PAGE = "/admin/invites"
MAX_DAYS = 90


async def _page(request: web.Request, form: Form, *, status: int = 200, link: str | None = None) -> web.Response:
    invites = await list_invites(request.app[CLOCK].now())
    context = {"invites": invites, "form": form, "link": link, "max_days": MAX_DAYS}
    return await render(request, "ui/admin/invites.html", context, status=status)


@admin_required
async def invites_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, Form({"days": "7"}))


@admin_required
async def create(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    note = form.text("note", label="Note", max_length=255)
    days_text = form.text("days", label="Valid for", required=True, max_length=3)
    if days_text and not (days_text.isdigit() and 1 <= int(days_text) <= MAX_DAYS):
        form.error("days", f"Valid for must be a whole number of days from 1 to {MAX_DAYS}.")
    if not form.ok:
        return await _page(request, form, status=400)
    by, expires_in = await current_account(request), timedelta(days=int(days_text))
    created = await create_invite(by, now=request.app[CLOCK].now(), expires_in=expires_in, note=note)
    link = f"{request.app[SITE].uris.base}/register?invite={created.token}"
    # Rendered, not redirected: the token is never stored, so this page is the only place it is shown.
    return await _page(request, Form({"days": "7"}), link=link)


@admin_required
async def revoke(request: web.Request) -> web.StreamResponse:
    await revoke_invite(int(request.match_info["id"]), request.app[CLOCK].now())
    return redirect(request, PAGE, "The invitation no longer works.")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, invites_page, name="admin_invites")
    app.router.add_post(PAGE, create)
    app.router.add_post(PAGE + r"/{id:\d+}/revoke", revoke)
