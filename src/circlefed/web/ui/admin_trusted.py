"""Web UI: trusted partner instances for members circles (add, remove), as `circlefed trusted` does."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain import confidentiality
from circlefed.errors import BadRequest, NotFound
from circlefed.netguard import Allowlist
from circlefed.services.trust import distrust_instance
from circlefed.web.keys import CLOCK, SETTINGS
from circlefed.web.ui.admin_federation import PAGE, federation_page, flash_conflicts
from circlefed.web.ui.forms import read_form
from circlefed.web.ui.guards import admin_required
from circlefed.web.ui.render import redirect


@admin_required
async def trust(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    domain = form.text("trusted_domain", label="Domain", required=True, max_length=255)
    note = form.text("note", label="Note", max_length=confidentiality.MAX_NOTE_CHARS)
    if form.ok:
        try:
            addresses = Allowlist(request.app[SETTINGS].federation.private_address_allowlist)
            row = await confidentiality.trust_instance(domain, note=note, addresses=addresses)
        except BadRequest as exc:
            form.error("trusted_domain", exc.message[:1].upper() + exc.message[1:] + ".")
    if not form.ok:
        return await federation_page(request, status=400, trust_form=form)
    await flash_conflicts(request)
    return redirect(
        request, PAGE, f"{row.domain} is now trusted: members circles reach it where it hosts an approved member."
    )


@admin_required
async def distrust(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    domain = form.text("trusted_domain", required=True, max_length=255)
    try:
        row, cancelled = await distrust_instance(domain, request.app[CLOCK].now())
    except NotFound:
        message = f"There is nothing to remove: {domain} is not on the trusted list."
        return redirect(request, PAGE, message, kind="error")
    except BadRequest as exc:
        return redirect(request, PAGE, exc.message[:1].upper() + exc.message[1:] + ".", kind="error")
    extra = f" {cancelled} queued deliveries were cancelled." if cancelled else ""
    return redirect(request, PAGE, f"{row.domain} is no longer trusted.{extra}")


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PAGE}/trusted", trust)
    app.router.add_post(f"{PAGE}/trusted/remove", distrust)
