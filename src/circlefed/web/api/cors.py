"""Web API: browser apps (Elk, Phanpy) call the client API from their own origin: every answer under /api/ and
of the OAuth token and revocation endpoints may be read by any origin, and preflights are answered. Nothing
here uses cookies (a token in the request authenticates it), so no credentials are allowed across origins."""

from __future__ import annotations

from aiohttp import web

from circlefed.web.api.auth import Handler

PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/oauth-authorization-server")
ALLOWED = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Link, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining",
}
PREFLIGHT = {
    **ALLOWED,
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key",
    "Access-Control-Max-Age": "86400",
}


def is_api_path(path: str) -> bool:
    return path.startswith(PREFIXES)


@web.middleware
async def api_cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not is_api_path(request.path):
        return await handler(request)
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return web.Response(status=204, headers=PREFLIGHT)
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # an answer raised (a 404, a 405): readable by the app as well
        exc.headers.update(ALLOWED)
        raise
    response.headers.update(ALLOWED)
    return response
