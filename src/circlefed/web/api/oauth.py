"""Web API: the OAuth 2.0 endpoints apps call: the RFC 8414 metadata document, the token endpoint
(authorization_code with PKCE, client_credentials) and RFC 7009 revocation."""

from __future__ import annotations

import logging

from aiohttp import web
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import UnsupportedGrantTypeError
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

from circlefed.domain.oauth_scopes import SUPPORTED
from circlefed.services.oauth import IssuedToken, app_token, exchange_code, revoke_token
from circlefed.web.api.auth import NO_STORE, api_route, oauth_error, read_params, text_param
from circlefed.web.keys import CLOCK, SITE

log = logging.getLogger(__name__)

GRANT_TYPES = ("authorization_code", "client_credentials")
AUTH_METHODS = ["client_secret_post", "client_secret_basic"]


@api_route
async def metadata(request: web.Request) -> web.StreamResponse:
    base = request.app[SITE].uris.base
    document = AuthorizationServerMetadata(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "registration_endpoint": f"{base}/oauth/register",
            "app_registration_endpoint": f"{base}/api/v1/apps",  # Mastodon's, as Mastodon 4.3 lists it
            "scopes_supported": list(SUPPORTED),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": list(GRANT_TYPES),
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            "service_documentation": f"{base}/",
        }
    )
    document.validate()  # authlib checks every field against RFC 8414 2
    return web.json_response(dict(document), headers={"Access-Control-Allow-Origin": "*"})


def _client(request: web.Request, params: dict) -> tuple[str, str]:
    """client_id and client_secret: HTTP Basic (RFC 6749 2.3.1) when sent, else the body's fields."""
    basic_id, basic_secret = extract_basic_authorization(request.headers)
    if basic_id:
        return basic_id, basic_secret or ""
    return text_param(params, "client_id"), text_param(params, "client_secret")


@api_route
async def token(request: web.Request) -> web.StreamResponse:
    params = await read_params(request)
    grant_type = text_param(params, "grant_type")
    client_id, client_secret = _client(request, params)
    now = request.app[CLOCK].now()
    try:
        if grant_type == "authorization_code":
            issued = await exchange_code(
                client_id,
                client_secret,
                text_param(params, "code"),
                text_param(params, "redirect_uri"),
                text_param(params, "code_verifier"),
                now=now,
            )
        elif grant_type == "client_credentials":
            issued = await app_token(client_id, client_secret, text_param(params, "scope") or None, now=now)
        else:
            raise OAuth2Error(
                error=UnsupportedGrantTypeError.error,
                description="grant_type must be authorization_code or client_credentials.",
            )
    except OAuth2Error as exc:
        log.info("oauth: token request refused: %s", exc.error)
        return oauth_error(exc)
    return web.json_response(_token_body(issued), headers=NO_STORE)


def _token_body(issued: IssuedToken) -> dict:
    return {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": issued.row.scopes,
        "created_at": int(issued.row.created_at.timestamp()),
    }


@api_route
async def revoke(request: web.Request) -> web.StreamResponse:
    params = await read_params(request)
    client_id, client_secret = _client(request, params)
    try:
        await revoke_token(client_id, client_secret, text_param(params, "token"), now=request.app[CLOCK].now())
    except OAuth2Error as exc:
        log.info("oauth: revocation refused: %s", exc.error)
        return oauth_error(exc)
    return web.json_response({}, headers=NO_STORE)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/.well-known/oauth-authorization-server", metadata, name="oauth_metadata")
    app.router.add_post("/oauth/token", token, name="oauth_token")
    app.router.add_post("/oauth/revoke", revoke, name="oauth_revoke")
