"""Web: middlewares for the database binding, request ids, metrics, error pages and security headers."""

from __future__ import annotations

import logging
import secrets
import time

import aiohttp_jinja2
from aiohttp import web

from circlefed.errors import CirclefedError, NotFound
from circlefed.log import request_id_var
from circlefed.storage.db import activated
from circlefed.web.keys import DATABASE, METRICS, REQUEST_ID, SETTINGS
from circlefed.web.negotiation import wants_html

log = logging.getLogger(__name__)

# form-action comes last: the OAuth consent page adds the app's redirect URI to it (web/ui/oauth_consent.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


@web.middleware
async def request_context(request: web.Request, handler):
    """Bind the request id and this app's database to the task that serves the request."""
    request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
    if not request_id.replace("-", "").isalnum():
        request_id = secrets.token_hex(8)
    request[REQUEST_ID] = request_id
    token = request_id_var.set(request_id)
    try:
        with activated(request.app[DATABASE]):
            response = await handler(request)
    finally:
        request_id_var.reset(token)
    response.headers["X-Request-Id"] = request_id
    return response


@web.middleware
async def metrics(request: web.Request, handler):
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        request.app[METRICS].observe(request.method, route, status, time.perf_counter() - started)


@web.middleware
async def errors(request: web.Request, handler):
    """Map CirclefedError and HTTP errors to a page (browsers) or JSON (API clients) carrying the request id."""
    try:
        return await handler(request)
    except CirclefedError as exc:
        if exc.status >= 500:
            log.error("%s: %s", type(exc).__name__, exc)
        response = error_response(request, exc.status, exc.message)
        retry_after = getattr(exc, "retry_after", None)  # TooManyRequests: when to come back (429)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error_response(request, exc.status, _http_error_message(exc))
        for name in ("Allow", "Retry-After", "Cache-Control"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    except Exception:
        log.exception("unhandled error serving %s %s", request.method, request.path)
        return error_response(
            request, 500, "Something went wrong on our side. The request id helps the admin."
        )


def _http_error_message(exc: web.HTTPException) -> str:
    if exc.status == 404:
        # One answer for every 404: a route that names nothing must read like an object hidden from the viewer
        # (domain/directory.not_found), or the difference would count what a confidential circle holds.
        return NotFound.public_message
    if exc.status == 405:
        return "This address does not accept that kind of request."
    if exc.status == 413:
        return "The request body is too large."
    return exc.text or exc.reason


def error_response(request: web.Request, status: int, message: str) -> web.StreamResponse:
    request_id = request.get(REQUEST_ID, "-")
    if wants_html(request):
        context = {"status": status, "message": message, "request_id": request_id}
        response = aiohttp_jinja2.render_template("error.html", request, context, status=status)
    else:
        response = web.json_response(
            {"error": message, "status": status, "request_id": request_id}, status=status
        )
    if status == 404:
        response.headers["Cache-Control"] = "no-store"
    return response


@web.middleware
async def security_headers(request: web.Request, handler):
    response = await handler(request)
    headers = response.headers
    for name, value in _SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    if request.app[SETTINGS].instance.scheme == "https":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
