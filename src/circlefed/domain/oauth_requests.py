"""Domain: checking an authorization request (GET /oauth/authorize and the consent form sending it back):
client, redirect URI, response type, scopes and PKCE, in the order RFC 6749 4.1.2.1 needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    InvalidRequestError,
    OAuth2Error,
)

from circlefed.domain.oauth_redirects import registered, split_stored
from circlefed.domain.oauth_scopes import check_within, parse_scopes
from circlefed.domain.oauth_tokens import check_challenge, find_app
from circlefed.storage.models import OAuthApp

MAX_STATE = 1000
# The request's parameters, carried through the consent form as hidden fields.
FIELDS = ("client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method")


@dataclass(frozen=True)
class AuthorizationRequest:
    app: OAuthApp
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str
    code_challenge: str
    code_challenge_method: str


class UnsafeRedirect(OAuth2Error):
    """The request names no known client or no registered redirect URI: the error is shown to the member on a
    page, never sent anywhere (an attacker's redirect_uri must not receive it)."""


async def check_authorization_request(params: Mapping[str, str]) -> AuthorizationRequest:
    """The checked request; UnsafeRedirect for a bad client or redirect URI (show it), another OAuth2Error
    (carrying redirect_uri and state) for what the app should be told at its redirect URI."""
    value = {name: _one(params, name) for name in FIELDS}
    app = await find_app(value["client_id"])
    if app is None:
        raise UnsafeRedirect(error=InvalidClientError.error, description="The app is unknown here: it named a "
                             "client_id this instance never issued.")
    redirect_uri = value["redirect_uri"]
    if not redirect_uri:
        uris = split_stored(app.redirect_uris)
        if len(uris) != 1:
            raise UnsafeRedirect(error=InvalidRequestError.error, description="redirect_uri is required: the app "
                                 "registered more than one.")
        redirect_uri = uris[0]
    if not registered(app.redirect_uris, redirect_uri):
        raise UnsafeRedirect(error=InvalidRequestError.error, description="The redirect_uri is not one the app "
                             "registered (it must match exactly).")
    state = value["state"]
    back = {"redirect_uri": redirect_uri, "state": state[:MAX_STATE] or None}
    try:
        if len(state) > MAX_STATE:
            raise InvalidRequestError(description=f"state can be at most {MAX_STATE} characters long.")
        if value["response_type"] != "code":
            raise OAuth2Error(error="unsupported_response_type", description="response_type must be code.")
        scopes = parse_scopes(value["scope"])
        check_within(scopes, tuple(app.scopes.split()))
        challenge, method = check_challenge(value["code_challenge"], value["code_challenge_method"])
    except OAuth2Error as exc:
        exc.redirect_uri, exc.state = back["redirect_uri"], back["state"]
        raise
    return AuthorizationRequest(app, redirect_uri, scopes, state, challenge, method)


def _one(params: Mapping[str, str], name: str) -> str:
    raw = params.get(name, "")
    return raw.strip() if isinstance(raw, str) else ""
