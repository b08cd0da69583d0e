"""Web UI: /invite/<token>: a person opening an invitation to a circle joins it (signed in), or is offered to
sign in or create an account first; every unusable link gets the same answer, which names no circle."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.domain.circle_invites import invited_circle
from circlefed.domain.registration import registration_mode
from circlefed.domain.standing import has_rules
from circlefed.errors import BadRequest, Conflict, Forbidden
from circlefed.services.invitations import accept_circle_invite
from circlefed.storage.models import Circle, RegistrationMode
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.ui.forms import Form, as_sentence, read_form
from circlefed.web.ui.member_access import circle_path
from circlefed.web.ui.render import redirect, render
from circlefed.web.ui.session import current_account

log = logging.getLogger(__name__)
RULES_FIELD = "accept_rules"
RULES_ERROR = "Please read the ground rules and tick the box to accept them."


def read_rules_acceptance(form: Form, circle: Circle) -> int | None:
    """The ground rules version accepted on a form that joins `circle` (None: it has no rules); an error on the
    form when the box is not ticked."""
    if not has_rules(circle):
        return None
    if not form.checkbox(RULES_FIELD):
        form.error(RULES_FIELD, RULES_ERROR)
        return None
    version = form.raw("rules_version").strip()
    return int(version) if version.isdigit() else None


async def _render(request: web.Request, context: dict, *, status: int = 200) -> web.Response:
    base = {"token": request.match_info["token"], "rules_field": RULES_FIELD, "form": Form({})}
    return await render(request, "ui/account/invitation.html", {**base, **context}, status=status)


async def invitation_page(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    try:
        circle = await invited_circle(token, request.app[CLOCK].now())
    except BadRequest as exc:
        log.info("circle invitation page refused: %s", exc.message)
        return await _render(request, {"refusal": exc.message}, status=400)
    if circle is None:  # an invitation to the instance
        return redirect(request, f"/register?invite={token}")
    signed_in = await current_account(request) is not None
    closed = await registration_mode() is RegistrationMode.CLOSED
    return await _render(request, {"circle": circle, "signed_in": signed_in, "registration_closed": closed})


async def accept(request: web.Request) -> web.StreamResponse:
    token, now = request.match_info["token"], request.app[CLOCK].now()
    account = await current_account(request)
    if account is None:
        return redirect(request, f"/invite/{token}")
    form = await read_form(request)
    try:
        circle = await invited_circle(token, now)
        if circle is None:
            raise BadRequest("This invitation is for registering on this instance, and you already have an account.")
        version = read_rules_acceptance(form, circle)
        if not form.ok:
            context = {"circle": circle, "signed_in": True, "form": form}
            return await _render(request, context, status=400)
        await accept_circle_invite(request.app[SITE], token, account, rules_version=version, now=now)
    except (BadRequest, Conflict, Forbidden) as exc:
        log.info("circle invitation refused for account %s: %s", account.id, exc.message)
        return await _render(request, {"refusal": as_sentence(exc.message)}, status=exc.status)
    return redirect(request, circle_path(circle), f"Welcome to {circle.name}.")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/invite/{token}", invitation_page, name="circle_invitation")
    app.router.add_post("/invite/{token}", accept)
