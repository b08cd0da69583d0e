"""Web UI: what the instance's and the circles' invitation pages share: the form's fields and the links made."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from circlefed.web.keys import SITE
from circlefed.web.ui.forms import Form

MAX_DAYS = 90
DEFAULT_FORM = {"days": "7"}


def read_invitation(form: Form) -> tuple[str, timedelta]:
    """The note (only for whoever invites) and how long the link works; errors land on the form."""
    note = form.text("note", label="Note", max_length=255)
    days_text = form.text("days", label="Valid for", required=True, max_length=3)
    if days_text and not (days_text.isdigit() and 1 <= int(days_text) <= MAX_DAYS):
        form.error("days", f"Valid for must be a whole number of days from 1 to {MAX_DAYS}.")
    return note, timedelta(days=int(days_text) if form.ok else 1)


def registration_link(request: web.Request, token: str) -> str:
    return f"{request.app[SITE].uris.base}/register?invite={token}"


def circle_invitation_link(request: web.Request, token: str) -> str:
    return f"{request.app[SITE].uris.base}/invite/{token}"
