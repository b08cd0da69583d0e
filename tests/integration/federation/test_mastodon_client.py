"""A real Mastodon API client, Mastodon.py, signs in to a real circlefed on a loopback port: it registers its app,
the member allows it on the consent page (pressed by the test, as a browser would), and the app exchanges the code
and reads the member's account; then two members' apps join a circle, post a thread into it, reply, like, read
their home timeline and notifications, edit, report and delete. Mastodon.py is synchronous: it runs in a thread."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from mastodon import Mastodon, MastodonNotFoundError

from circlefed.domain.accounts import create_account
from circlefed.storage.models import Report, Thread
from circlefed.web.keys import SITE
from tests.factories import PASSWORD
from tests.integration.federation.circles import settle, start_quiet
from tests.integration.federation.fixtures import host_grief
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


async def signed_in_app(instance, name: str) -> Mastodon:
    """Mastodon.py for the member `name`, signed in through the real consent form."""
    client_id, client_secret = await asyncio.to_thread(
        Mastodon.create_app, f"{name}'s phone", scopes=SCOPES, redirect_uris=REDIRECT, api_base_url=instance.base_url,
    )
    app = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=instance.base_url)
    url = await asyncio.to_thread(app.auth_request_url, redirect_uris=REDIRECT, scopes=SCOPES, allow_http=True)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        await submit(browser, f"{instance.base_url}/login", "Log in", fill={"username": name, "password": PASSWORD})
        answer = await submit(browser, url, "Allow")
    code = query_of(answer.headers["Location"])["code"]
    await asyncio.to_thread(app.log_in, code=code, redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)
    return app


async def test_two_members_apps_join_a_circle_post_reply_like_read_report_and_delete(start_instance):
    hosted = await host_grief(start_instance)
    instance = hosted.instance
    with instance.db():
        for name in ("robin", "sam"):
            await create_account(instance.app[SITE], name, PASSWORD)
    robin, sam = await signed_in_app(instance, "robin"), await signed_in_app(instance, "sam")

    circle = await asyncio.to_thread(robin.account_lookup, "grief")
    assert circle["group"] is True and circle["display_name"] == hosted.circle.name
    for app in (robin, sam):
        relationship = await asyncio.to_thread(app.account_follow, circle["id"])
        assert relationship["following"] is True, "following an open circle is joining it"

    opening = await asyncio.to_thread(robin.status_post, "@grief Evenings\nThey are long.", spoiler_text="sleep")
    assert opening["spoiler_text"] == "sleep" and opening["mentions"][0]["acct"] == "grief"
    reply = await asyncio.to_thread(sam.status_post, "Same here.", in_reply_to_id=opening["id"])
    assert reply["in_reply_to_id"] == opening["id"]
    assert (await asyncio.to_thread(sam.status_favourite, opening["id"]))["favourited"] is True

    home = await asyncio.to_thread(robin.timeline_home)
    assert [status["id"] for status in home][:2] == [reply["id"], opening["id"]], "newest first"
    kinds = {(n["type"], n["status"]["id"]) for n in await asyncio.to_thread(robin.notifications)}
    assert ("mention", reply["id"]) in kinds and ("favourite", opening["id"]) in kinds
    found = await asyncio.to_thread(sam.search_v2, "long", result_type="statuses")
    assert opening["id"] in [status["id"] for status in found["statuses"]]

    edited = await asyncio.to_thread(robin.status_update, opening["id"], "@grief Evenings\nShorter now.")
    assert "Shorter now." in edited["content"] and edited["edited_at"] is not None
    report = await asyncio.to_thread(
        robin.report, reply["account"]["id"], status_ids=[reply["id"]], comment="Not kind", category="other"
    )
    assert report["status_ids"] == [str(reply["id"])] or report["status_ids"] == [reply["id"]]
    with instance.db():
        assert await Report.filter(reason="Not kind").count() == 1

    await asyncio.to_thread(robin.status_delete, opening["id"])
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(sam.status, opening["id"])
    left = await asyncio.to_thread(sam.account_unfollow, circle["id"])
    assert left["following"] is False


async def test_an_app_finds_joins_and_posts_in_a_circle_of_another_instance(start_instance):
    hosted = await host_grief(start_instance)
    home = await start_quiet(start_instance)
    with home.db():
        await create_account(home.app[SITE], "robin", PASSWORD)
    robin = await signed_in_app(home, "robin")
    handle = f"@grief@{hosted.instance.domain}"
    known = await asyncio.to_thread(robin.search_v2, handle, resolve=False, result_type="accounts")
    assert known["accounts"] == [], "without resolve, only circles known here"
    found = (await asyncio.to_thread(robin.search_v2, handle, resolve=True, result_type="accounts"))["accounts"]
    assert [(account["acct"], account["group"]) for account in found] == [(handle[1:], True)]
    asked = await asyncio.to_thread(robin.account_follow, found[0]["id"])
    assert asked["requested"] is True and asked["following"] is False, "until the circle's Accept arrives"
    await settle(hosted.instance, home)
    (joined,) = await asyncio.to_thread(robin.account_relationships, found[0]["id"])
    assert joined["following"] is True

    opening = await asyncio.to_thread(robin.status_post, f"{handle} From my phone\nAcross instances.")
    assert opening["mentions"][0]["acct"] == handle[1:]
    await settle(hosted.instance, home)
    with hosted.instance.db():
        arrived = await Thread.get(title="From my phone")
        assert arrived.circle_id == hosted.circle.id and arrived.source.strip() == "Across instances."
    nothing = await asyncio.to_thread(
        robin.search_v2, f"@nobody@{hosted.instance.domain}", resolve=True, result_type="accounts")
    assert nothing["accounts"] == []
