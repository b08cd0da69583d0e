"""Web API: reading API requests (form or JSON), OAuth and Mastodon error answers, and Bearer authentication
with per-endpoint scopes and a per-token rate limit."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from authlib.oauth2 import OAuth2Error
from multidict import MultiMapping

from circlefed.domain.oauth_scopes import covers_any
from circlefed.domain.oauth_tokens import resolve_token
from circlefed.policy.rate_limit import Rate, RateLimiter, Throttled
from circlefed.storage.models import OAuthToken
from circlefed.web.keys import CLOCK
from circlefed.web.ui.csrf import csrf_exempt

log = logging.getLogger(__name__)

# Mastodon's own default: 300 requests in 5 minutes per token.
TOKEN_RATE = Rate(per_minute=60, burst=300)
TOKEN_LIMITS = web.AppKey("api_token_limits", RateLimiter)
TOKEN = web.RequestKey("api_token", OAuthToken)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
INVALID_TOKEN = "The access token is invalid"  # noqa: S105 (Mastodon's error message, no secret)
OUTSIDE_SCOPES = "This action is outside the authorized scopes"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup_limits(app: web.Application) -> None:
    app[TOKEN_LIMITS] = RateLimiter(TOKEN_RATE, app[CLOCK], what="API requests with this token")


def api_route(handler: Handler) -> Handler:
    """An API handler: no session, no CSRF (a secret in the request authenticates it, never a cookie)."""
    return csrf_exempt(handler)


async def read_params(request: web.Request) -> dict[str, Any]:
    """The request's parameters: a JSON object, or form fields (urlencoded or multipart), or the query string."""
    if request.content_type == "application/json":
        try:
            data = json.loads(await request.read() or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise web.HTTPBadRequest(text="The body is not valid JSON.") from exc
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="The body must be a JSON object.")
        return data
    if request.method in ("POST", "PUT", "PATCH") and request.body_exists:
        return _fields(await request.post())
    return _fields(request.query)


def _fields(pairs: MultiMapping) -> dict[str, Any]:
    """Form or query fields; `name[]` (Rails' arrays, as apps send them) gathered into a list under `name`."""
    fields: dict[str, Any] = {}
    for key, value in pairs.items():
        if not isinstance(value, str):
            continue
        if key.endswith("[]"):
            fields.setdefault(key[:-2], []).append(value)
        else:
            fields[key] = value
    return fields


def text_param(params: dict[str, Any], name: str) -> str:
    value = params.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def list_param(params: dict[str, Any], name: str) -> list[str]:
    """A list parameter (a JSON array, `name[]` fields, or one value), as strings."""
    value = params.get(name, [])
    values = value if isinstance(value, list) else [value]
    return [str(item) for item in values if isinstance(item, str | int) and str(item)]


def oauth_error(exc: OAuth2Error, *, status: int | None = None) -> web.Response:
    """RFC 6749 5.2: {error, error_description} as JSON, never cached."""
    body = dict(exc.get_body())
    answer = status or exc.status_code or 400
    headers = dict(NO_STORE)
    if answer == 401:
        headers["WWW-Authenticate"] = 'Basic realm="circlefed"'
    return web.json_response(body, status=answer, headers=headers)


def mastodon_error(message: str, status: int, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers={**NO_STORE, **headers})


def bearer_token(request: web.Request) -> str:
    kind, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if kind.lower() == "bearer" else ""


def bearer_required(*scopes: str, member: bool = True) -> Callable[[Handler], Handler]:
    """Only with a live Bearer token granting one of `scopes` (a parent scope covers its granular ones; none
    named: any) and, with member=True, issued for a member (not an app-only token); each token has its own
    rate limit."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            refused = await _check_token(request, scopes, member=member)
            return refused if refused is not None else await handler(request)

        return api_route(guarded)

    return decorate


def bearer_optional(*scopes: str) -> Callable[[Handler], Handler]:
    """Like bearer_required(member=False) when the request carries a token (a revoked one is refused); without
    one the handler runs for nobody in particular (request.get(TOKEN) is None): what anyone may read."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            if "Authorization" in request.headers:
                refused = await _check_token(request, scopes, member=False)
                if refused is not None:
                    return refused
            return await handler(request)

        return api_route(guarded)

    return decorate


async def _check_token(request: web.Request, scopes: tuple[str, ...], *, member: bool) -> web.Response | None:
    """None when the request's token is live, within its rate limit and grants one of the scopes (request[TOKEN]
    is set); else the refusal to answer."""
    check = await resolve_token(bearer_token(request), now=request.app[CLOCK].now())
    token = check.token
    if token is None:
        log.info("api: refused %s %s: token %s", request.method, request.path, check.reason or "missing")
        return mastodon_error(INVALID_TOKEN, 401, **{"WWW-Authenticate": 'Bearer error="invalid_token"'})
    verdict = request.app[TOKEN_LIMITS].take(f"token:{token.id}")
    if isinstance(verdict, Throttled):
        log.info("api: token %d throttled on %s", token.id, request.path)
        return mastodon_error("Too many requests", 429, **{"Retry-After": str(verdict.retry_after)})
    if scopes and not covers_any(tuple(token.scopes.split()), scopes):
        log.info("api: token %d refused on %s: needs one of %s", token.id, request.path, " ".join(scopes))
        return mastodon_error(OUTSIDE_SCOPES, 403)
    if member and token.account is None:
        log.info("api: app-only token %d refused on %s: no member", token.id, request.path)
        return mastodon_error("This method requires an authenticated user", 403)
    request[TOKEN] = token
    return None
