"""Web UI: a member's data: download everything they wrote (JSON) and delete the account for good."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from circlefed.domain.account_export import export_account
from circlefed.domain.passwords import verify_password
from circlefed.errors import Conflict
from circlefed.services.account_deletion import delete_account
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.ui.auth import MAX_PASSWORD_LENGTH
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.guards import login_required, signed_in_account
from circlefed.web.ui.render import redirect, render
from circlefed.web.ui.session import log_out

log = logging.getLogger(__name__)


@login_required
async def export(request: web.Request) -> web.StreamResponse:
    account = await signed_in_account(request)
    data = await export_account(account, now=request.app[CLOCK].now())
    stamp = request.app[CLOCK].now().strftime("%Y%m%d")
    return web.Response(
        body=json.dumps(data, ensure_ascii=False, indent=2).encode(),
        content_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="circlefed-{account.username}-{stamp}.json"',
            "Cache-Control": "private, no-store",
        },
    )


@login_required
async def delete_page(request: web.Request) -> web.StreamResponse:
    return await render(request, "ui/account/delete.html", {"form": Form({})})


@login_required
async def delete_submit(request: web.Request) -> web.StreamResponse:
    account = await signed_in_account(request)
    form = await read_form(request)
    password = form.text("password", label="Password", required=True, max_length=MAX_PASSWORD_LENGTH, strip=False)
    if form.ok and not verify_password(account.password_hash, password):
        form.error("password", "The password is not right.")
    if not form.checkbox("confirm"):
        form.error("confirm", "Tick the box to confirm that you want to delete your account.")
    if not form.ok:
        return await render(request, "ui/account/delete.html", {"form": form}, status=400)
    try:
        await delete_account(request.app[SITE], account, now=request.app[CLOCK].now())
    except Conflict as exc:
        return await render(request, "ui/account/delete.html", {"form": form, "refusal": exc.message}, status=409)
    await log_out(request)
    return redirect(request, "/", "Your account has been deleted. Other instances have been asked to delete it too.")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/account/export", export, name="account_export")
    app.router.add_get("/account/delete", delete_page, name="account_delete")
    app.router.add_post("/account/delete", delete_submit)
