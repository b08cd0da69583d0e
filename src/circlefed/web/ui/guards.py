"""Web UI: handler guards (signed-in, admin) and the viewer's actor."""

from __future__ import annotations

import functools
import logging
from urllib.parse import quote, urlsplit

from aiohttp import web

from circlefed.errors import Forbidden
from circlefed.storage.models import Account, Actor
from circlefed.web.ui.csrf import Handler
from circlefed.web.ui.session import current_account

log = logging.getLogger(__name__)
_ACTOR = web.RequestKey("circlefed_viewer_actor", object)
_UNSET = object()


def safe_next(value: str | None, default: str = "/") -> str:
    """`value` if it is a path on this site (not //host, not a scheme, no backslash tricks), else `default`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in value):
        return default
    return value


def login_url(request: web.Request) -> str:
    """/login?next=<this page> for GET requests (a form's target cannot be revisited after login)."""
    if request.method not in ("GET", "HEAD"):
        return "/login"
    return "/login?next=" + quote(safe_next(request.path_qs), safe="")


def login_required(handler: Handler) -> Handler:
    """Only for signed-in members: others are sent to the login page (303) and come back afterwards."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        if await current_account(request) is None:
            return web.Response(status=303, headers={"Location": login_url(request)})
        return await handler(request)

    return guarded


def admin_required(handler: Handler) -> Handler:
    """Only for instance admins: signed-out visitors go to the login page, other members get a 403 page."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        account = await current_account(request)
        if account is None:
            return web.Response(status=303, headers={"Location": login_url(request)})
        if not account.is_admin:
            log.info("refused %s %s to non-admin account %s", request.method, request.path, account.id)
            raise Forbidden("This page is for the admins of this instance.")
        return await handler(request)

    return guarded


async def signed_in_account(request: web.Request) -> Account:
    """The viewer's account in a handler behind login_required or admin_required."""
    account = await current_account(request)
    assert account is not None  # the guard sent everyone else away
    return account


async def viewer_actor(request: web.Request) -> Actor | None:
    """The signed-in member's local Person actor (cached on the request), or None."""
    cached = request.get(_ACTOR, _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    account = await current_account(request)
    actor = None if account is None else await Actor.get(id=account.actor_id)  # type: ignore[attr-defined]
    request[_ACTOR] = actor
    return actor
