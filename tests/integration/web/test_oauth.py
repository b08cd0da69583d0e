"""OAuth 2.0 (issue 19): apps registered through the API, the authorization-code flow with PKCE through the real
consent form, the token endpoint's refusals, revocation (by the app and from /account), Bearer tokens on the API
(scopes, rate limit), the metadata document and the actor endpoints."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from circlefed.domain.accounts import disable_account
from circlefed.policy.rate_limit import Rate
from circlefed.services.account_deletion import delete_account
from circlefed.storage.models import OAuthApp, OAuthCode, OAuthToken
from circlefed.web.api.auth import TOKEN_LIMITS
from tests.factories import PASSWORD
from tests.integration.web.conftest import HTML, sign_in, site_of
from tests.integration.web.oauth_flow import (
    approve,
    authorize_path,
    bearer,
    exchange,
    pkce,
    query_of,
    register,
    token_for,
)
from tests.integration.web.page_forms import forms_on, submit

pytestmark = pytest.mark.storage
VERIFY = "/api/v1/accounts/verify_credentials"


async def test_the_whole_flow_with_pkce_through_the_consent_form(client, member):
    app = await register(client)
    await sign_in(client)
    page = await client.get(authorize_path(app, scope="read", state="s1"), headers=HTML)
    text = await page.text()
    assert page.status == 200 and "Tooter" in text and "See everything you can see here" in text
    assert "form-action 'self' https://app.example" in page.headers["Content-Security-Policy"]
    verifier, challenge = pkce()
    code = await approve(client, app, challenge=challenge)
    response = await exchange(client, app, code, verifier)
    assert response.status == 200
    body = await response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read" and isinstance(body["created_at"], int)
    assert response.headers["Cache-Control"] == "no-store"
    me = await client.get(VERIFY, headers=bearer(body["access_token"]))
    assert me.status == 200
    account = await me.json()
    assert account["username"] == account["acct"] == "robin" and account["bot"] is False
    assert account["group"] is False and account["followers_count"] == 0 and account["fields"] == []
    assert account["source"]["privacy"] == "public" and account["avatar"].endswith("/static/avatar.png")
    assert (await client.get("/static/avatar.png")).status == 200


async def test_secrets_are_stored_only_as_hashes(client, member):
    app = await register(client)
    await sign_in(client)
    verifier, challenge = pkce()
    code = await approve(client, app, challenge=challenge)
    token = (await (await exchange(client, app, code, verifier)).json())["access_token"]
    stored = [
        str(value)
        for model in (OAuthApp, OAuthCode, OAuthToken)
        for row in await model.all().values()
        for value in row.values()
    ]
    for secret in (token, code, app.client_secret):
        assert not any(secret in value for value in stored)


async def test_basic_client_authentication_and_the_oob_code_shown_on_a_page(client, member):
    app = await register(client, redirect_uri="urn:ietf:wg:oauth:2.0:oob")
    await sign_in(client)
    verifier, challenge = pkce()
    path = authorize_path(app, scope="read", code_challenge=challenge, code_challenge_method="S256")
    shown = await submit(client, path, "Allow")
    assert shown.status == 200
    page = await shown.text()
    code = page.split('<code id="oauth-code">')[1].split("</code>")[0]
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": app.redirect_uri,
              "code_verifier": verifier},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status == 200, await response.text()


async def test_a_wrong_verifier_is_refused(client, member):
    app = await register(client)
    await sign_in(client)
    _, challenge = pkce()
    code = await approve(client, app, challenge=challenge)
    response = await exchange(client, app, code, pkce()[0])
    assert response.status == 400
    assert await response.json() == {"error": "invalid_grant",
                                     "error_description": "The code_verifier does not match the code_challenge."}
    missing = await exchange(client, app, code)  # spent by the failed attempt: a code is tried once
    assert (await missing.json())["error"] == "invalid_grant"


async def test_a_code_used_twice_is_refused_and_its_token_revoked(client, member):
    app = await register(client)
    await sign_in(client)
    verifier, challenge = pkce()
    code = await approve(client, app, challenge=challenge)
    token = (await (await exchange(client, app, code, verifier)).json())["access_token"]
    assert (await client.get(VERIFY, headers=bearer(token))).status == 200
    again = await exchange(client, app, code, verifier)
    assert again.status == 400 and (await again.json())["error"] == "invalid_grant"
    refused = await client.get(VERIFY, headers=bearer(token))
    assert refused.status == 401 and await refused.json() == {"error": "The access token is invalid"}


async def test_an_expired_code_and_a_redirect_uri_that_differs_are_refused(client, member, clock):
    app = await register(client)
    await sign_in(client)
    verifier, challenge = pkce()
    code = await approve(client, app, challenge=challenge)
    wrong = await exchange(client, app, code, verifier, redirect_uri="https://app.example/other")
    assert (await wrong.json())["error"] == "invalid_grant"
    code = await approve(client, app, challenge=challenge)
    clock.advance(timedelta(minutes=11))
    late = await exchange(client, app, code, verifier)
    assert "expired" in (await late.json())["error_description"]


async def test_requests_the_consent_page_refuses(client, member):
    app = await register(client, scopes="read")
    await sign_in(client)
    # An unregistered redirect URI or an unknown client: said on the page, sent nowhere.
    for path in (authorize_path(app, redirect_uri="https://evil.example/cb"),
                 authorize_path(app, client_id="nobody")):
        page = await client.get(path, headers=HTML, allow_redirects=False)
        assert page.status == 400 and "Location" not in page.headers
    told = {
        "invalid_request": authorize_path(app, code_challenge=pkce()[1], code_challenge_method="plain", state="p"),
        "invalid_scope": authorize_path(app, scope="read write", state="p"),
        "unsupported_response_type": authorize_path(app, response_type="token", state="p"),
    }
    for error, path in told.items():
        response = await client.get(path, headers=HTML, allow_redirects=False)
        assert response.status == 303, (error, response.status)
        assert query_of(response.headers["Location"]) | {"error_description": ""} == {
            "error": error, "state": "p", "error_description": ""}


async def test_denying_tells_the_app_access_denied(client, member):
    app = await register(client)
    await sign_in(client)
    response = await submit(client, authorize_path(app, scope="read", state="q"), "Deny")
    assert response.status == 303
    assert query_of(response.headers["Location"])["error"] == "access_denied"
    assert await OAuthCode.all().count() == 0


async def test_signed_out_visitors_sign_in_first_and_come_back(client, member):
    app = await register(client)
    path = authorize_path(app, scope="read")
    response = await client.get(path, headers=HTML, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login?next=%2Foauth%2Fauthorize")
    page = await client.get(response.headers["Location"], headers=HTML)
    login = next(form for form in forms_on(await page.text()) if form.action.startswith("/login"))
    back = await client.post(login.action, data={**login.fields, "username": "robin",
                                                 "password": PASSWORD},
                             headers=HTML, allow_redirects=False)
    assert back.status == 303 and back.headers["Location"].startswith("/oauth/authorize?")
    assert query_of(back.headers["Location"]) == query_of(path)


async def test_unknown_clients_and_wrong_secrets_get_invalid_client(client, member):
    app = await register(client)
    for client_id, secret in (("nobody", "x"), (app.client_id, "wrong")):
        response = await client.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
        assert response.status == 401 and (await response.json())["error"] == "invalid_client"
    odd = await client.post("/oauth/token", data={"grant_type": "password", "client_id": app.client_id,
                                                  "client_secret": app.client_secret})
    assert odd.status == 400 and (await odd.json())["error"] == "unsupported_grant_type"


async def test_app_tokens_verify_the_app_but_act_for_no_member(client, member):
    app = await register(client)
    response = await client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.client_secret,
        "scope": "read"})
    token = (await response.json())["access_token"]
    own = await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert (await own.json())["name"] == "Tooter"
    refused = await client.get(VERIFY, headers=bearer(token))
    assert refused.status == 403 and "authenticated user" in (await refused.json())["error"]


async def test_revocation_by_the_app(client, member):
    app = await register(client)
    await sign_in(client)
    token = await token_for(client, app)
    response = await client.post("/oauth/revoke", data={"token": token, "client_id": app.client_id,
                                                        "client_secret": app.client_secret})
    assert response.status == 200 and await response.json() == {}
    assert (await client.get(VERIFY, headers=bearer(token))).status == 401


async def test_revoking_from_the_apps_list_on_the_account_page(client, member):
    app = await register(client)
    await sign_in(client)
    token = await token_for(client, app)
    await client.get(VERIFY, headers=bearer(token))
    page = await (await client.get("/account", headers=HTML)).text()
    assert "Tooter" in page and "See everything you can see here" in page
    response = await submit(client, "/account", "Revoke", naming="Tooter")
    assert response.status == 303
    after = await (await client.get("/account", headers=HTML)).text()
    assert "“Tooter” can no longer use your account." in after and "No app can use your account." in after
    assert (await client.get(VERIFY, headers=bearer(token))).status == 401


async def test_scopes_are_checked_per_endpoint(client, member):
    app = await register(client, scopes="write:statuses read:statuses profile")
    await sign_in(client)
    token = await token_for(client, app, scope="write:statuses")
    refused = await client.get(VERIFY, headers=bearer(token))
    assert refused.status == 403 and await refused.json() == {"error": "This action is outside the authorized scopes"}
    assert (await client.get(VERIFY, headers=bearer(await token_for(client, app, scope="profile")))).status == 200


async def test_each_token_has_a_rate_limit(client, member, clock):
    client.server.app[TOKEN_LIMITS].rate = Rate(per_minute=2, burst=2)
    app = await register(client)
    await sign_in(client)
    token = await token_for(client, app)
    assert [(await client.get(VERIFY, headers=bearer(token))).status for _ in range(2)] == [200, 200]
    throttled = await client.get(VERIFY, headers=bearer(token))
    assert throttled.status == 429 and int(throttled.headers["Retry-After"]) >= 1


async def test_tokens_stop_working_for_a_disabled_or_deleted_account(client, member, settings, clock):
    app = await register(client)
    await sign_in(client)
    token = await token_for(client, app)
    await disable_account("robin")
    assert (await client.get(VERIFY, headers=bearer(token))).status == 401
    await delete_account(site_of(settings), member, now=clock.now())
    assert await OAuthToken.all().count() == 0 and await OAuthCode.all().count() == 0


async def test_bad_tokens_are_refused(client, member):
    for header in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic Zm9vOmJhcg=="}):
        response = await client.get(VERIFY, headers=header)
        assert response.status == 401 and await response.json() == {"error": "The access token is invalid"}


@pytest.mark.parametrize(
    ("uris", "says"),
    [
        ("javascript:alert(1)", "javascript: scheme"),
        ("data:text/html,hi", "data: scheme"),
        ("/callback", "not absolute"),
        ("", "redirect_uris is required"),
    ],
)
async def test_app_registration_refuses_unsafe_redirect_uris(client, db, uris, says):
    response = await client.post("/api/v1/apps", data={"client_name": "X", "redirect_uris": uris})
    assert response.status == 422
    assert says in (await response.json())["error"]


async def test_app_registration_shapes(client, db):
    response = await client.post("/api/v1/apps", data={
        "client_name": "Native", "redirect_uris": "com.example.app:/oauth\nurn:ietf:wg:oauth:2.0:oob",
        "scopes": "read write:statuses follow"})
    body = await response.json()
    assert response.status == 200 and body["vapid_key"] is None and body["name"] == "Native"
    assert body["redirect_uri"] == "com.example.app:/oauth\nurn:ietf:wg:oauth:2.0:oob"
    assert set(body) >= {"id", "website", "client_id", "client_secret"}
    unknown = await client.post("/api/v1/apps", json={"client_name": "X", "redirect_uris": "https://a.example/",
                                                      "scopes": "read admin:read"})
    assert unknown.status == 422 and "admin:read" in (await unknown.json())["error"]
    nameless = await client.post("/api/v1/apps", json={"redirect_uris": "https://a.example/"})
    assert nameless.status == 422 and "client_name" in (await nameless.json())["error"]
    rfc7591 = await client.post("/oauth/register", json={"client_name": "Dyn", "redirect_uris": ["https://d.example/cb"],
                                                         "scope": "read"})
    registered = await rfc7591.json()
    assert rfc7591.status == 201 and registered["redirect_uris"] == ["https://d.example/cb"]
    assert registered["client_secret"] and registered["token_endpoint_auth_method"] == "client_secret_post"
    bad = await client.post("/oauth/register", json={"client_name": "Dyn", "redirect_uris": ["javascript:x"]})
    assert bad.status == 400 and (await bad.json())["error"] == "invalid_redirect_uri"


async def test_the_authorization_server_metadata(client, db, settings):
    response = await client.get("/.well-known/oauth-authorization-server")
    document = await response.json()
    base = settings.instance.base_url
    assert document["issuer"] == base
    assert document["authorization_endpoint"] == f"{base}/oauth/authorize"
    assert document["token_endpoint"] == f"{base}/oauth/token"
    assert document["revocation_endpoint"] == f"{base}/oauth/revoke"
    assert document["registration_endpoint"] == f"{base}/oauth/register"
    assert document["response_types_supported"] == ["code"]
    assert "authorization_code" in document["grant_types_supported"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert {"read", "write", "follow", "profile", "read:statuses"} <= set(document["scopes_supported"])
    assert "client_secret_post" in document["token_endpoint_auth_methods_supported"]


async def test_actors_name_the_oauth_endpoints(client, member, settings):
    base = settings.instance.base_url
    for path in ("/u/robin", "/actor"):
        actor = await (await client.get(path, headers={"Accept": "application/activity+json"})).json()
        assert actor["endpoints"]["oauthAuthorizationEndpoint"] == f"{base}/oauth/authorize"
        assert actor["endpoints"]["oauthTokenEndpoint"] == f"{base}/oauth/token"
