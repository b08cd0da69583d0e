"""Mastodon client API search (v2): threads and replies by their words among what the reader may read now, circles
as group accounts by name, and an address of a thread or reply resolved; nothing of a members circle for whoever
may not read it (no token, an app alone, a non-member, a banned or departed member), answered exactly as when
nothing matches. Words are searched for a member's token only, as Mastodon does."""

from __future__ import annotations

import pytest

from circlefed.services import membership, moderation
from circlefed.storage.models import Actor, Visibility
from circlefed.web.api.status_views import status_id
from tests.factories import approved_member, site_of
from tests.integration.web.api_readers import Writer, answer_of, app_only, token_of
from tests.integration.web.member_world import circle, person
from tests.integration.web.oauth_flow import register

pytestmark = pytest.mark.storage
SEARCH = "/api/v2/search"
EMPTY = b'{"accounts": [], "statuses": [], "hashtags": []}'


@pytest.fixture
async def app_client(client):
    return await register(client)


@pytest.fixture
async def quiet_world(client, settings, clock, grief, member, app_client):
    """quiet (members only): fran facilitates, robin, ada and lee are members; sam is not; a thread and a reply."""
    fran = await Actor.get(local_name="fran")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    robin = await member.actor
    ada, lee = await person(settings, "ada"), await person(settings, "lee")
    for who in (robin, ada, lee):
        await approved_member(quiet, who)
    await person(settings, "sam")
    write = Writer(settings, clock)
    thread = await write.thread(quiet, robin, "Mornings are hard", "The long Walk at dawn helped me today.")
    reply = await write.reply(thread, ada, "A warm bath at night helps me sleep.")
    public = await write.thread(grief, fran, "Open walks", "A walk at dawn, for everyone.")
    tokens = {name: await token_of(client, app_client, name) for name in ("robin", "ada", "lee", "sam")}
    return {"quiet": quiet, "fran": fran, "ada": ada, "lee": lee, "thread": thread, "reply": reply,
            "public": public, "tokens": tokens}


async def found(client, query: str, headers=None) -> dict:
    response = await client.get(SEARCH, params={"q": query}, headers=headers or {})
    assert response.status == 200, await response.text()
    return await response.json()


def ids_of(result: dict) -> list[str]:
    return [status["id"] for status in result["statuses"]]


async def test_a_member_finds_a_phrase_in_any_case_in_threads_and_replies(client, quiet_world):
    robin = quiet_world["tokens"]["robin"]
    thread, reply, public = quiet_world["thread"], quiet_world["reply"], quiet_world["public"]
    assert ids_of(await found(client, "walk AT Dawn", robin)) == [status_id(public), status_id(thread)]
    assert ids_of(await found(client, '"long walk at dawn"', robin)) == [status_id(thread)]
    assert ids_of(await found(client, '"dawn at walk"', robin)) == [], "a quoted phrase keeps its order"
    assert ids_of(await found(client, "mornings hard", robin)) == [status_id(thread)], "a thread's title counts"
    assert ids_of(await found(client, "warm bath", robin)) == [status_id(reply)]
    result = await found(client, "warm bath", robin)
    assert result["statuses"][0]["in_reply_to_id"] == status_id(thread) and result["hashtags"] == []
    assert ids_of(await found(client, "100%_", robin)) == [], "LIKE wildcards are plain characters"


async def test_nobody_else_finds_anything_of_a_members_circle(client, settings, clock, quiet_world, app_client):
    tokens, quiet, fran = quiet_world["tokens"], quiet_world["quiet"], quiet_world["fran"]
    await moderation.ban_member(site_of(settings), quiet, quiet_world["ada"], fran, reason="", reason_shared=False,
                                expires_at=None, remove_data=False, now=clock.now())
    await membership.leave_circle(site_of(settings), quiet, quiet_world["lee"], now=clock.now())
    outsiders = [None, await app_only(client, app_client), tokens["sam"], tokens["ada"], tokens["lee"]]
    for headers in outsiders:
        for words in ("warm bath", "long walk", "Mornings are hard", '"bath at night"'):
            for kind in ("", "&type=statuses"):
                assert await answer_of(client, f"{SEARCH}?q={words}{kind}", headers) == await answer_of(
                    client, f"{SEARCH}?q=zebra%20quartz{kind}", headers) == (200, EMPTY), (headers, words)
    for headers in (tokens["sam"], tokens["ada"], tokens["lee"]):
        shown = await found(client, "walk at dawn", headers)
        assert ids_of(shown) == [status_id(quiet_world["public"])], "what is public stays findable by members here"
    for headers in outsiders[:2]:
        assert ids_of(await found(client, "walk at dawn", headers)) == [], "words are searched for members only"


async def test_results_page_by_limit_and_offset(client, settings, clock, grief, member, app_client):
    write = Writer(settings, clock)
    robin = await member.actor
    made = [await write.thread(grief, robin, f"Garden {n}", "Tomatoes and beans.") for n in range(5)]
    token = await token_of(client, app_client, "robin")
    newest = [status_id(row) for row in reversed(made)]
    assert ids_of(await found(client, "garden", token)) == newest
    pages = []
    for offset in range(0, 6, 2):
        response = await client.get(SEARCH, params={"q": "tomatoes", "limit": "2", "offset": str(offset)},
                                    headers=token)
        pages += ids_of(await response.json())
    assert pages == newest
    anonymous = await client.get(SEARCH, params={"q": "tomatoes", "offset": "2"})
    assert anonymous.status == 401
    assert (await client.get(SEARCH, headers=token)).status == 400
    assert (await client.get(SEARCH, params={"q": "x", "limit": "many"}, headers=token)).status == 422


async def test_circles_are_found_as_group_accounts_by_who_may_see_them(client, settings, quiet_world, app_client):
    robin, sam = quiet_world["tokens"]["robin"], quiet_world["tokens"]["sam"]
    result = await found(client, "grief", robin)
    assert [(a["acct"], a["group"], a["display_name"]) for a in result["accounts"]] == [("grief", True, "Grief circle")]
    assert [a["acct"] for a in (await found(client, "@quiet", robin))["accounts"]] == ["quiet"]
    assert [a["acct"] for a in (await found(client, "Quiet circle", sam))["accounts"]] == ["quiet"], (
        "members of this instance see every circle here, as on the circles page")
    for headers in (None, await app_only(client, app_client)):
        assert (await found(client, "quiet", headers))["accounts"] == []
        assert [a["acct"] for a in (await found(client, "grief", headers))["accounts"]] == ["grief"]
    response = await client.get(SEARCH, params={"q": "grief", "type": "statuses"}, headers=robin)
    assert (await response.json())["accounts"] == []


async def test_resolving_an_address_answers_its_status_to_readers_only(client, settings, quiet_world, app_client):
    tokens, thread, reply = quiet_world["tokens"], quiet_world["thread"], quiet_world["reply"]
    base = settings.instance.base_url
    addresses = {
        thread.uri: status_id(thread),
        f"{base}/threads/{thread.id}": status_id(thread),
        reply.uri: status_id(reply),
        f"{thread.uri}#post-{reply.id}": status_id(reply),
    }
    for address, expected in addresses.items():
        response = await client.get(SEARCH, params={"q": address, "resolve": "true"}, headers=tokens["robin"])
        result = await response.json()
        assert ids_of(result) == [expected], address
        for headers in (tokens["sam"], await app_only(client, app_client)):
            asked = await answer_of(client, f"{SEARCH}?q={address.replace('#', '%23')}&resolve=true", headers)
            missing = await answer_of(client, f"{SEARCH}?q={base}/t/nothing-here&resolve=true", headers)
            assert asked == missing, (address, headers)
        assert await answer_of(client, f"{SEARCH}?q={address.replace('#', '%23')}&resolve=1", tokens["sam"]) == (
            200, EMPTY)
        anonymous = await client.get(SEARCH, params={"q": address, "resolve": "true"})
        assert anonymous.status == 401
