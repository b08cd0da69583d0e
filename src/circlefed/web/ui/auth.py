"""Web UI: signing in and out, and joining the instance (/login, /logout, /register)."""

from __future__ import annotations

import logging
from datetime import datetime

from aiohttp import web

from circlefed.domain.accounts import authenticate, check_name
from circlefed.domain.circle_invites import invited_circle
from circlefed.domain.login_limits import (
    Attempt,
    address_bucket,
    check_login_allowed,
    clear_failures,
    record_failure,
)
from circlefed.domain.passwords import MIN_PASSWORD_LENGTH
from circlefed.domain.registration import MAX_JOIN_REASON, registration_mode
from circlefed.errors import BadRequest, Conflict, TooManyRequests
from circlefed.services.invitations import register_member
from circlefed.storage.models import Circle, RegistrationMode
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.ui.circle_invite import RULES_FIELD, read_rules_acceptance
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.guards import safe_next
from circlefed.web.ui.known_devices import known_device, remember_device
from circlefed.web.ui.member_access import circle_path
from circlefed.web.ui.render import redirect, render
from circlefed.web.ui.session import current_account, log_in, log_out

log = logging.getLogger(__name__)
MAX_PASSWORD_LENGTH = 1024  # argon2 hashes anything, but a megabyte "password" is only a way to burn CPU


async def login_page(request: web.Request) -> web.StreamResponse:
    next_url = safe_next(request.query.get("next"))
    if await current_account(request) is not None:
        return redirect(request, next_url)
    return await render(request, "ui/account/login.html", {"next": next_url, "form": Form({})})


async def login(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    username = form.text("username", label="Username", required=True, max_length=64).lower()
    password = form.text("password", label="Password", required=True, max_length=MAX_PASSWORD_LENGTH, strip=False)
    next_url = safe_next(form.raw("next"))
    context = {"next": next_url, "form": form}
    if not form.ok:
        return await render(request, "ui/account/login.html", context, status=400)
    now, bucket = request.app[CLOCK].now(), address_bucket(request.remote)
    attempt = Attempt(username, bucket, await known_device(request, username))
    try:
        await check_login_allowed(attempt, now)
    except TooManyRequests as exc:
        response = await render(request, "ui/account/login.html", {**context, "refusal": exc.message}, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    account = await authenticate(username, password)
    if account is None:
        await record_failure(attempt, now)
        log.info("sign-in failed for a username from %s%s", bucket, " (known device)" if attempt.device else "")
        refusal = "That username and password do not match. Please try again."
        return await render(request, "ui/account/login.html", {**context, "refusal": refusal}, status=400)
    await clear_failures(attempt)
    if not account.is_approved:
        refusal = "Your account is waiting for approval by the admins. You can sign in once they have approved it."
        return await render(request, "ui/account/login.html", {**context, "refusal": refusal}, status=403)
    await log_in(request, account)
    response = redirect(request, next_url, f"Welcome back, {account.username}.")
    await remember_device(request, response, account)
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    await log_out(request)
    return redirect(request, "/", "You have signed out.")


async def register_page(request: web.Request) -> web.StreamResponse:
    invite = request.query.get("invite", "")[:100]
    if await current_account(request) is not None:
        return redirect(request, f"/invite/{invite}" if invite else "/account")
    mode = await registration_mode()
    context = {"mode": mode.value, "invite": invite, "form": Form({}), "rules_field": RULES_FIELD}
    try:
        context["circle"] = await _invited_circle(invite, request.app[CLOCK].now())
    except BadRequest as exc:
        context["refusal"] = exc.message
    status = 403 if mode is RegistrationMode.CLOSED else 200
    return await render(request, "ui/account/register.html", context, status=status)


async def _invited_circle(invite: str, now: datetime) -> Circle | None:
    """The circle an invitation leads to (shown with its ground rules), None without one or for the instance."""
    return await invited_circle(invite, now) if invite else None


async def register_submit(request: web.Request) -> web.StreamResponse:
    mode = await registration_mode()
    form = await read_form(request)
    username = form.text("username", label="Username", required=True, max_length=30).lower()
    password = read_new_password(form)
    reason = form.text("join_reason", label="A few words for the admins", max_length=MAX_JOIN_REASON)
    invite = form.text("invite", max_length=100)
    if username and "username" not in form.errors:
        _check_username(form, username)
    context = {"mode": mode.value, "invite": invite, "form": form, "rules_field": RULES_FIELD}
    now = request.app[CLOCK].now()
    try:
        circle = context["circle"] = await _invited_circle(invite, now)
    except BadRequest as exc:  # an invitation that is used up or expired
        log.info("registration refused: %s", exc.message)
        return await render(request, "ui/account/register.html", {**context, "refusal": exc.message}, status=400)
    version = read_rules_acceptance(form, circle) if circle else None
    if not form.ok:
        return await render(request, "ui/account/register.html", context, status=400)
    try:
        account = await register_member(
            request.app[SITE],
            username,
            password,
            now=now,
            invite_token=invite,
            join_reason=reason,
            rules_version=version,
        )
    except Conflict as exc:
        form.error("username", "That name is already taken. Please choose another.")
        log.info("registration refused: %s", exc.message)
        return await render(request, "ui/account/register.html", context, status=409)
    except BadRequest as exc:  # an invitation that is used up or expired
        log.info("registration refused: %s", exc.message)
        return await render(request, "ui/account/register.html", {**context, "refusal": exc.message}, status=400)
    if not account.is_approved:
        return await render(request, "ui/account/registered.html", {"username": account.username})
    await log_in(request, account)
    if circle is not None:
        return redirect(request, circle_path(circle), f"Welcome, {account.username}. You are in {circle.name}.")
    return redirect(request, "/account", f"Welcome, {account.username}. Your account is ready.")


def read_new_password(form: Form, name: str = "password", label: str = "Password") -> str:
    """A new password field and its `<name>_again` twin; errors land on the field that needs fixing."""
    password = form.text(
        name,
        label=label,
        required=True,
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
    )
    if form.raw(f"{name}_again") != password and name not in form.errors:
        form.error(f"{name}_again", "The two passwords are not the same.")
    return password


def _check_username(form: Form, username: str) -> None:
    try:
        check_name(username, "username")
    except BadRequest as exc:
        form.error("username", exc.message[0].upper() + exc.message[1:] + ".")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/login", login_page, name="login")
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout, name="logout")
    app.router.add_get("/register", register_page, name="register")
    app.router.add_post("/register", register_submit)
