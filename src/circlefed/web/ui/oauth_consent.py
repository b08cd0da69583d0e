"""Web UI: the OAuth consent page (GET /oauth/authorize): a signed-in member sees which app asks and what it may
do, and approves (a code goes to the app's redirect URI, or is shown for an out-of-band app) or denies."""

from __future__ import annotations

import logging

from aiohttp import web
from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError

from circlefed.domain.oauth_redirects import OOB, form_action_source
from circlefed.domain.oauth_requests import FIELDS, AuthorizationRequest, UnsafeRedirect, check_authorization_request
from circlefed.domain.oauth_scopes import describe
from circlefed.services.oauth import grant_code
from circlefed.web.keys import CLOCK
from circlefed.web.middleware import CONTENT_SECURITY_POLICY
from circlefed.web.ui.forms import read_form
from circlefed.web.ui.guards import login_required, signed_in_account
from circlefed.web.ui.render import render

log = logging.getLogger(__name__)
TEMPLATE = "ui/account/authorize.html"
RESULT = "ui/account/authorized.html"


@login_required
async def consent_page(request: web.Request) -> web.StreamResponse:
    try:
        checked = await check_authorization_request(request.query)
    except OAuth2Error as exc:
        return await _refused(request, exc)
    context = {
        "app": checked.app,
        "scope_sentences": describe(checked.scopes),
        "oob": checked.redirect_uri == OOB,
        "fields": _carried(checked),
    }
    response = await render(request, TEMPLATE, context)
    if checked.redirect_uri != OOB:
        # Browsers apply form-action to where the form's answer redirects: let it reach the app's redirect URI.
        source = form_action_source(checked.redirect_uri)
        if source:
            response.headers["Content-Security-Policy"] = f"{CONTENT_SECURITY_POLICY} {source}"
    return response


@login_required
async def consent_answer(request: web.Request) -> web.StreamResponse:
    account = await signed_in_account(request)
    form = await read_form(request)
    params = {name: form.raw(name) for name in FIELDS}
    try:
        checked = await check_authorization_request(params)
        if form.raw("decision") != "approve":
            log.info("oauth: account %d denied app %d", account.id, checked.app.id)
            raise AccessDeniedError(
                description="The member did not allow the app.", redirect_uri=checked.redirect_uri,
                state=checked.state or None,
            )
    except OAuth2Error as exc:
        return await _refused(request, exc)
    code = await grant_code(
        checked.app,
        account,
        redirect_uri=checked.redirect_uri,
        scopes=checked.scopes,
        challenge=checked.code_challenge,
        method=checked.code_challenge_method,
        now=request.app[CLOCK].now(),
    )
    if checked.redirect_uri == OOB:
        return await render(request, RESULT, {"app": checked.app, "code": code})
    answer = [("code", code)] + ([("state", checked.state)] if checked.state else [])
    return _to_app(add_params_to_uri(checked.redirect_uri, answer))


async def _refused(request: web.Request, exc: OAuth2Error) -> web.StreamResponse:
    """An unknown client or redirect URI: told on the page. Anything else: told to the app at its redirect URI
    (or on the page for an out-of-band app)."""
    if isinstance(exc, UnsafeRedirect) or not exc.redirect_uri or exc.redirect_uri == OOB:
        log.info("oauth: authorization request refused on the page: %s", exc.error)
        context = {"error": exc.error, "description": exc.description}
        return await render(request, RESULT, context, status=400)
    log.info("oauth: authorization request refused, told to the app: %s", exc.error)
    return _to_app(add_params_to_uri(exc.redirect_uri, exc.get_body()))


def _to_app(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


def _carried(checked: AuthorizationRequest) -> dict[str, str]:
    """The request's parameters as checked, sent back by the consent form (checked again on the way in)."""
    return {
        "client_id": checked.app.client_id,
        "redirect_uri": checked.redirect_uri,
        "response_type": "code",
        "scope": " ".join(checked.scopes),
        "state": checked.state,
        "code_challenge": checked.code_challenge,
        "code_challenge_method": checked.code_challenge_method,
    }


def add_routes(app: web.Application) -> None:
    app.router.add_get("/oauth/authorize", consent_page, name="oauth_authorize")
    app.router.add_post("/oauth/authorize", consent_answer)
