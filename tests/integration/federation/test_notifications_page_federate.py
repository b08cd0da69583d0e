"""A reply from another server, delivered signed to a circle hosted here, tells the thread's author on their
notifications page and in its count in the navigation, as a local reply does: the remote author named with their
instance, a link to the reply on the thread's page."""

from __future__ import annotations

import re

import aiohttp
import pytest

from tests.fakes.remote import FakeRemote
from tests.integration.web.conftest import HTML, sign_in

from .circles import settle
from .fixtures import deliver, join_by_fixture, payload

pytestmark = pytest.mark.storage
BADGE = re.compile(r'href="/notifications">Notifications <span class="badge">(\d+)<span class="visually-hidden">')


async def test_a_remote_reply_is_on_the_threads_authors_notifications_page(hosted, http):
    remote = await FakeRemote().start()
    try:
        mo = remote.add_actor("mo")
        await join_by_fixture(hosted, http, remote, mo, "mastodon_follow_1")
        reply = payload("mastodon_create_2", **hosted.ids(remote, mo))
        await deliver(http, mo, f"{hosted.group_uri}/inbox", reply)
        await settle(hosted.instance)
    finally:
        await remote.close()
    base = hosted.instance.base_url
    async with aiohttp.ClientSession(base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        await sign_in(browser, "fran")
        async with browser.get("/notifications", headers=HTML) as response:
            assert response.status == 200
            listing = await response.text()
        found = re.search(r'<p>(mo · [^<]+) replied to your thread <a href="([^"]+)">Welcome</a> in ', listing)
        assert found and found.group(1) == f"mo · {remote.domain}", listing[listing.index("<main") :]
        assert BADGE.search(listing).group(1) == "1"
        async with browser.get(found.group(2).split("#")[0], headers=HTML) as thread_page:
            assert "The second year was gentler" in await thread_page.text()
