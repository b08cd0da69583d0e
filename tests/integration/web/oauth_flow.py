"""Test helper: an app registered through the API, and the authorization-code flow driven through the real
consent form (sign-in first), as a member's browser and the app would."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.integration.web.page_forms import submit

REDIRECT = "https://app.example/callback"


@dataclass
class App:
    client_id: str
    client_secret: str
    redirect_uri: str


async def register(client, *, scopes: str = "read write", redirect_uri: str = REDIRECT, name: str = "Tooter"):
    response = await client.post(
        "/api/v1/apps",
        json={"client_name": name, "redirect_uris": redirect_uri, "scopes": scopes, "website": "https://app.example"},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    return App(body["client_id"], body["client_secret"], redirect_uri)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, create_s256_code_challenge(verifier)


def authorize_path(app: App, **extra: str) -> str:
    params = {"client_id": app.client_id, "redirect_uri": app.redirect_uri, "response_type": "code", **extra}
    return "/oauth/authorize?" + urlencode(params)


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


async def approve(client, app: App, *, challenge: str = "", scope: str = "read", state: str = "xyz") -> str:
    """Press Allow on the consent page; the code the app receives at its redirect URI."""
    extra = {"scope": scope, "state": state}
    if challenge:
        extra |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    response = await submit(client, authorize_path(app, **extra), "Allow")
    assert response.status == 303, await response.text()
    location = response.headers["Location"]
    assert location.startswith(app.redirect_uri + "?"), location
    answer = query_of(location)
    assert answer.get("state") == state
    return answer["code"]


async def exchange(client, app: App, code: str, verifier: str = "", *, redirect_uri: str | None = None):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": app.redirect_uri if redirect_uri is None else redirect_uri,
    }
    if verifier:
        data["code_verifier"] = verifier
    return await client.post("/oauth/token", data=data)


async def token_for(client, app: App, scope: str = "read") -> str:
    verifier, challenge = pkce()
    code = await approve(client, app, challenge=challenge, scope=scope)
    response = await exchange(client, app, code, verifier)
    assert response.status == 200, await response.text()
    return (await response.json())["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
