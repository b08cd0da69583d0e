"""Notifications of what arrives from other servers: a reply and a like delivered, signed, to a circle hosted
here tell the thread's author as a local reply and like do; a reply that the Group of a circle on another
circlefed relays to a member here tells them too. Read through the real client API of each instance."""

from __future__ import annotations

import aiohttp
import pytest

from circlefed.domain import replies, threads
from circlefed.storage.models import Circle, Thread
from circlefed.web.keys import CLOCK, SITE
from tests.fakes.remote import FakeRemote
from tests.integration.web.conftest import sign_in
from tests.integration.web.oauth_flow import bearer, register, token_for

from .circles import act, circle, join, member, settle, start_quiet
from .fixtures import deliver, join_by_fixture, payload

pytestmark = pytest.mark.storage


async def notifications_of(instance, name: str) -> list[dict]:
    """The member's notifications as an app of theirs reads them: allowed on the real consent page, then the API."""
    async with aiohttp.ClientSession(base_url=instance.base_url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as app:
        registered = await register(app)
        await sign_in(app, name)
        headers = bearer(await token_for(app, registered, scope="read"))
        async with app.get("/api/v1/notifications", headers=headers) as response:
            assert response.status == 200, await response.text()
            return await response.json()


async def test_a_remote_reply_and_like_delivered_signed_tell_the_threads_author(hosted, http):
    remote = await FakeRemote().start()
    try:
        mo = remote.add_actor("mo")
        await join_by_fixture(hosted, http, remote, mo, "mastodon_follow_1")
        reply = payload("mastodon_create_2", **hosted.ids(remote, mo))
        await deliver(http, mo, f"{hosted.group_uri}/inbox", reply)
        like = payload("mastodon_like_1", **hosted.ids(remote, mo, object=hosted.thread.uri))
        await deliver(http, mo, f"{hosted.group_uri}/inbox", like)
        await settle(hosted.instance)
    finally:
        await remote.close()
    told = {n["type"]: n for n in await notifications_of(hosted.instance, "fran")}  # one inbox batch: any order
    replied, liked = told.pop("mention"), told.pop("favourite")
    assert told == {}
    assert (replied["type"], replied["status"]["uri"]) == ("mention", reply["object"]["id"])
    assert "The second year was gentler" in replied["status"]["content"]
    assert replied["account"]["acct"] == f"mo@{remote.domain}"
    assert (liked["type"], liked["status"]["uri"]) == ("favourite", hosted.thread.uri)
    assert liked["account"]["group"] is True and "mo" not in liked["account"]["acct"]


async def test_a_reply_relayed_by_another_servers_circle_tells_its_member_here(start_instance):
    a, b = await start_quiet(start_instance), await start_quiet(start_instance)
    fran = await member(a, "fran")
    await circle(a, "grief", fran)
    bea = await member(b, "bea")
    await join(b, bea, f"@grief@{a.domain}")
    await settle(a, b)
    with b.db():
        there = await Circle.get(actor__uri=f"{a.base_url}/c/grief")
    start = threads.start_thread(b.app[SITE], there, bea, title="Hello", source="New here.", now=b.app[CLOCK].now())
    started = await act(b, start)
    await settle(a, b)
    with a.db():
        on_a = await Thread.get(uri=started.thread.uri)
    answered = await act(a, replies.reply(a.app[SITE], on_a, fran, source="Welcome, bea.", now=a.app[CLOCK].now()))
    await settle(a, b)
    (told,) = await notifications_of(b, "bea")
    assert (told["type"], told["status"]["uri"]) == ("mention", answered.post.uri)
    assert "Welcome, bea." in told["status"]["content"]
    assert await notifications_of(a, "fran") == [], "nobody is told of their own reply"
