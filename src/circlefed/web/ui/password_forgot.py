"""Web UI: /reset: a member who forgot their password asks for a one-time link by e-mail (when mail is set up).

Whatever was typed, the answer is the same page, so it never tells whether an account exists or has an address.
The e-mail is sent after the answer, in the background, so that its time does not tell either."""

from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage

from aiohttp import web

from circlefed import mail
from circlefed.domain.login_limits import address_bucket
from circlefed.domain.reset_requests import ResetMail, request_reset_links
from circlefed.errors import TooManyRequests
from circlefed.settings import Settings
from circlefed.web.keys import CLOCK, SETTINGS
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.render import render, request_policy

log = logging.getLogger(__name__)
TEMPLATE = "ui/account/forgot.html"
SENDS = web.AppKey("password_link_sends", set)  # the mails being sent: a reference keeps each task alive
MAX_TYPED = 255


async def forgot_page(request: web.Request) -> web.Response:
    if not request.app[SETTINGS].mail.configured:
        return await _unavailable(request)
    return await render(request, TEMPLATE, {"form": Form({})})


async def forgot_submit(request: web.Request) -> web.Response:
    if not request.app[SETTINGS].mail.configured:
        return await _unavailable(request)
    form = await read_form(request)
    typed = form.text("name", label="Username or e-mail address", required=True, max_length=MAX_TYPED)
    if not form.ok:
        return await render(request, TEMPLATE, {"form": form}, status=400)
    try:
        mails = await request_reset_links(typed, address_bucket(request.remote), request.app[CLOCK].now())
    except TooManyRequests as exc:
        response = await render(request, TEMPLATE, {"form": form, "refusal": exc.message}, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if mails:
        policy = await request_policy(request)
        instance_name = " ".join((policy.instance_name or request.app[SETTINGS].instance.name).split())  # a header
        for reset in mails:
            _send_later(request.app, _message(request.app[SETTINGS], instance_name, reset), reset.account_id)
    return await render(request, TEMPLATE, {"sent": True})


async def _unavailable(request: web.Request) -> web.Response:
    log.info("password link by e-mail refused: mail is not configured")
    return await render(request, TEMPLATE, {"unavailable": True}, status=404)


def _message(settings: Settings, instance_name: str, reset: ResetMail) -> EmailMessage:
    link = f"{settings.instance.base_url.rstrip('/')}/reset/{reset.token}"
    body = (
        f"Hello {reset.username},\n\n"
        f"Someone, we hope you, asked for a link to set a new password for the account {reset.username} on "
        f"{instance_name}. Open this link to choose a new one. It works once, within 24 hours, and signs the "
        f"account out on every device:\n\n{link}\n\n"
        "If you did not ask for it, you can ignore this message: your password stays as it is.\n"
    )
    return mail.build_message(settings.mail, reset.email, f"Set a new password on {instance_name}", body)


def _send_later(app: web.Application, message: EmailMessage, account_id: int) -> None:
    task = asyncio.create_task(_send(app[SETTINGS], message, account_id))
    app[SENDS].add(task)

    def done(task: asyncio.Task) -> None:
        app[SENDS].discard(task)
        if not task.cancelled() and task.exception() is not None:  # only its kind: its text might quote the address
            log.error("password link e-mail for account %s failed: %s", account_id, type(task.exception()).__name__)

    task.add_done_callback(done)


async def _send(settings: Settings, message: EmailMessage, account_id: int) -> None:
    try:
        await mail.send(settings.mail, message)
    except mail.MailError as exc:  # the member already has the same answer as everyone: only the log says it
        log.warning("password link e-mail for account %s not sent: %s", account_id, exc)
        return
    log.info("password link e-mail for account %s handed to the SMTP server", account_id)


async def _finish_sends(app: web.Application) -> None:
    """On shutdown, give the mails being sent the time to go (each is bounded by mail.timeout)."""
    if app[SENDS]:
        await asyncio.wait(set(app[SENDS]), timeout=float(app[SETTINGS].mail.timeout) + 5)


def add_routes(app: web.Application) -> None:
    app[SENDS] = set()
    app.on_cleanup.append(_finish_sends)
    app.router.add_get("/reset", forgot_page, name="password_forgot")
    app.router.add_post("/reset", forgot_submit)
