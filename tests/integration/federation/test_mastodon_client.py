"""A real Mastodon API client, Mastodon.py, signs in to a real circlefed on a loopback port (issue 19): it
registers its app, the member allows it on the consent page (pressed by the test, as a browser would), and the
app exchanges the code and reads the member's account. Mastodon.py is synchronous: it runs in a thread."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from mastodon import Mastodon

from circlefed.domain.accounts import create_account
from circlefed.web.keys import SITE
from tests.factories import PASSWORD
from tests.integration.web.oauth_flow import query_of
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage
REDIRECT = "http://127.0.0.1:9/callback"  # never visited: the test reads the code from the redirect
SCOPES = ["read", "write"]


async def test_mastodon_py_signs_in_and_reads_the_members_account(start_instance):
    instance = await start_instance()
    with instance.db():
        await create_account(instance.app[SITE], "robin", PASSWORD)
    client_id, client_secret = await asyncio.to_thread(
        Mastodon.create_app, "Mastodon.py test", scopes=SCOPES, redirect_uris=REDIRECT,
        api_base_url=instance.base_url,
    )
    # Mastodon.py reads the server's version from /api/v1/instance, as apps do at sign-in.
    app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=instance.base_url)
    url = await asyncio.to_thread(app.auth_request_url, redirect_uris=REDIRECT, scopes=SCOPES, state="mpy",
                                  allow_http=True)
    assert url.startswith(f"{instance.base_url}/oauth/authorize?")

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        signed_in = await submit(browser, f"{instance.base_url}/login", "Log in",
                                 fill={"username": "robin", "password": PASSWORD})
        assert signed_in.status == 303
        answer = await submit(browser, url, "Allow")
        assert answer.status == 303, await answer.text()
        location = answer.headers["Location"]
    assert location.startswith(REDIRECT + "?") and query_of(location)["state"] == "mpy"

    token = await asyncio.to_thread(app.log_in, code=query_of(location)["code"], redirect_uri=REDIRECT,
                                    scopes=SCOPES, allow_http=True)
    assert token
    me = await asyncio.to_thread(app.account_verify_credentials)
    assert me["username"] == me["acct"] == "robin" and me["bot"] is False and me["group"] is False
    assert (await asyncio.to_thread(app.app_verify_credentials))["name"] == "Mastodon.py test"
    await asyncio.to_thread(app.revoke_access_token, allow_http=True)
    with pytest.raises(Exception, match="access token is invalid"):
        await asyncio.to_thread(app.account_verify_credentials)
