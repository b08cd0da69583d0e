"""Web API: registering apps: Mastodon's POST /api/v1/apps, RFC 7591 dynamic registration at /oauth/register,
and GET /api/v1/apps/verify_credentials for an app's own token."""

from __future__ import annotations

import logging

from aiohttp import web
from authlib.oauth2 import OAuth2Error

from circlefed.domain.oauth_redirects import split_stored
from circlefed.services.oauth import RegisteredApp, register_app
from circlefed.storage.models import OAuthApp
from circlefed.web.api.auth import NO_STORE, TOKEN, api_route, bearer_required, read_params, text_param
from circlefed.web.keys import CLOCK

log = logging.getLogger(__name__)


@api_route
async def create_app(request: web.Request) -> web.StreamResponse:
    """Mastodon's shape: client_name, redirect_uris (space or newline separated, or a list), scopes, website."""
    params = await read_params(request)
    try:
        made = await register_app(
            text_param(params, "client_name"),
            _uris(params.get("redirect_uris")),
            text_param(params, "scopes"),
            text_param(params, "website"),
            now=request.app[CLOCK].now(),
        )
    except OAuth2Error as exc:
        log.info("api: app registration refused: %s", exc.error)
        return web.json_response({"error": f"Validation failed: {exc.description}"}, status=422, headers=NO_STORE)
    app = made.app
    body = {
        **app_entity(app),
        "id": str(app.id),
        "redirect_uri": "\n".join(split_stored(app.redirect_uris)),
        "redirect_uris": list(split_stored(app.redirect_uris)),
        "client_id": app.client_id,
        "client_secret": made.client_secret,
        "client_secret_expires_at": 0,
        "vapid_key": None,
    }
    return web.json_response(body, headers=NO_STORE)


@api_route
async def register(request: web.Request) -> web.StreamResponse:
    """RFC 7591 3: a JSON client metadata document in, the client information (201) out; errors as 3.2.2."""
    params = await read_params(request)
    scope = params.get("scope", "")
    try:
        made = await register_app(
            text_param(params, "client_name"),
            _uris(params.get("redirect_uris")),
            scope if isinstance(scope, str) else "",
            text_param(params, "client_uri"),
            now=request.app[CLOCK].now(),
        )
    except OAuth2Error as exc:
        log.info("api: dynamic registration refused: %s", exc.error)
        return web.json_response(dict(exc.get_body()), status=400, headers=NO_STORE)
    return web.json_response(client_information(made), status=201, headers=NO_STORE)


def client_information(made: RegisteredApp) -> dict:
    app = made.app
    information = {
        "client_id": app.client_id,
        "client_secret": made.client_secret,
        "client_id_issued_at": int(app.created_at.timestamp()),
        "client_secret_expires_at": 0,
        "client_name": app.name,
        "redirect_uris": list(split_stored(app.redirect_uris)),
        "scope": app.scopes,
        "grant_types": ["authorization_code", "client_credentials"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_post",
    }
    if app.website:
        information["client_uri"] = app.website
    return information


def app_entity(app: OAuthApp) -> dict:
    return {"name": app.name, "website": app.website or None, "scopes": app.scopes.split()}


@bearer_required(member=False)
async def verify_app(request: web.Request) -> web.StreamResponse:
    app = request[TOKEN].app
    return web.json_response({**app_entity(app), "vapid_key": None}, headers=NO_STORE)


def _uris(value: object) -> str | list[str]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return value if isinstance(value, str) else ""


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/apps", create_app, name="api_apps")
    app.router.add_post("/oauth/register", register, name="oauth_register")
    app.router.add_get("/api/v1/apps/verify_credentials", verify_app, name="api_apps_verify")
