"""Web UI: CSRF protection with a synchronizer token kept in the session, checked on every unsafe UI request."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import Session, get_session

log = logging.getLogger(__name__)

FIELD = "csrf_token"
_SESSION_KEY = "csrf"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Signed server-to-server routes (ActivityPub inboxes): no cookie authenticates them, so no CSRF applies.
EXEMPT_ROUTE_NAMES = {"shared_inbox", "instance_actor_inbox", "member_inbox", "circle_inbox"}
_EXEMPT_ATTR = "__circlefed_csrf_exempt__"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def csrf_exempt(handler: Handler) -> Handler:
    """Mark a handler that authenticates by signature or token, never by the session cookie (APIs)."""
    setattr(handler, _EXEMPT_ATTR, True)
    return handler


def is_signed_route(request: web.Request) -> bool:
    """True for server-to-server routes (inboxes, APIs marked csrf_exempt): not pages, no session."""
    route = request.match_info.route
    return route.name in EXEMPT_ROUTE_NAMES or getattr(route.handler, _EXEMPT_ATTR, False)


def is_exempt(request: web.Request) -> bool:
    # 404/405: the router answers; nothing is changed, so no token is needed.
    return request.match_info.http_exception is not None or is_signed_route(request)


class LazyToken:
    """This session's token for templates, created only when a form prints it (readers of plain pages get no
    cookie); forms send it back as the `csrf_token` field."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __str__(self) -> str:
        token = self._session.get(_SESSION_KEY)
        if not isinstance(token, str):
            token = secrets.token_urlsafe(32)
            self._session[_SESSION_KEY] = token
        return token

    def __html__(self) -> str:
        return str(self)  # URL-safe characters only: nothing to escape


async def template_token(request: web.Request) -> LazyToken:
    return LazyToken(await get_session(request))


async def token_is_valid(request: web.Request) -> bool:
    session = await get_session(request)
    expected = session.get(_SESSION_KEY)
    if not isinstance(expected, str):
        return False
    form = await request.post()
    sent = form.get(FIELD)
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), expected.encode())


@web.middleware
async def csrf_protect(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse unsafe UI requests without the session's token (inboxes and signed APIs are exempt)."""
    if is_exempt(request):
        return await handler(request)
    if request.method not in _SAFE_METHODS and not await token_is_valid(request):
        log.info("refused %s %s: missing or wrong CSRF token", request.method, request.path)
        return _expired_page(request)
    return await handler(request)


def _expired_page(request: web.Request) -> web.Response:
    response = aiohttp_jinja2.render_template("ui/form_expired.html", request, {}, status=403)
    response.headers["Cache-Control"] = "no-store"
    return response
