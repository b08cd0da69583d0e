"""Web UI: /reset/<token>: a member sets a new password with the one-time link an admin gave them."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain import password_resets
from circlefed.errors import BadRequest
from circlefed.storage.models import Account
from circlefed.web.keys import CLOCK
from circlefed.web.ui.auth import read_new_password
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.render import redirect, render

TEMPLATE = "ui/account/reset.html"


async def _context(request: web.Request, form: Form) -> tuple[dict, int]:
    """The page's context and status: the form for a live link, else why it does not work (410)."""
    token = request.match_info["token"]
    try:
        reset = await password_resets.usable_reset(token, request.app[CLOCK].now())
    except BadRequest as exc:
        return {"refusal": exc.message, "form": form}, 410
    account = await Account.get(id=reset.account_id)  # type: ignore[attr-defined]
    return {"token": token, "username": account.username, "form": form}, 200


async def reset_page(request: web.Request) -> web.Response:
    context, status = await _context(request, Form({}))
    return await render(request, TEMPLATE, context, status=status)


async def reset_submit(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    password = read_new_password(form)
    context, status = await _context(request, form)
    if status != 200 or not form.ok:
        return await render(request, TEMPLATE, context, status=status if status != 200 else 400)
    try:
        await password_resets.reset_password(context["token"], password, now=request.app[CLOCK].now())
    except BadRequest as exc:
        form.error("password", exc.message)
        return await render(request, TEMPLATE, context, status=400)
    return redirect(request, "/login", "Your new password is saved. Sign in with it.")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/reset/{token}", reset_page, name="password_reset")
    app.router.add_post("/reset/{token}", reset_submit)
