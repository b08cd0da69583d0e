"""Mastodon client API timelines: home holds the threads and replies of the circles the member joined, newest
first, paged by status id without duplicates or gaps (rows sharing a millisecond too); a ban or leaving takes a
circle out at once; the public timeline holds this instance's public circles' public posts, never a members
circle's, whoever asks."""

from __future__ import annotations

import pytest

from circlefed.services import membership, moderation, posting
from circlefed.storage.models import Actor, ContentRule, ContentRuleAction, Thread, Visibility
from circlefed.web.api.status_views import status_id
from tests.factories import approved_member, remote_circle, remote_person, site_of
from tests.integration.web.api_readers import Writer, answer_of, app_only, statuses_at, token_of
from tests.integration.web.member_world import circle, person
from tests.integration.web.oauth_flow import register

pytestmark = pytest.mark.storage
HOME = "/api/v1/timelines/home"
PUBLIC = "/api/v1/timelines/public"


@pytest.fixture
async def app_client(client):
    return await register(client)


@pytest.fixture
async def people(settings, grief, member):
    """robin and sam in grief (public) and quiet (members only); fran facilitates both and "elsewhere"."""
    fran = await Actor.get(local_name="fran")
    robin = await member.actor
    sam = await approved_member(grief, await person(settings, "sam"))
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    for who in (robin, sam):
        await approved_member(quiet, who)
    elsewhere = await circle(settings, "elsewhere", facilitator=fran)
    return {"fran": fran, "robin": robin, "sam": sam, "grief": grief, "quiet": quiet, "elsewhere": elsewhere}


def texts(statuses: list[dict]) -> list[str]:
    return [status["content"] for status in statuses]


async def test_home_holds_the_joined_circles_threads_and_replies_newest_first(
    client, settings, clock, people, app_client
):
    write = Writer(settings, clock)
    fran, robin, sam = people["fran"], people["robin"], people["sam"]
    opening = await write.thread(people["grief"], fran, "Evenings", "They are long.")
    private = await write.thread(people["quiet"], sam, "Private worry", "Only for us.")
    first = await write.reply(opening, sam, "Mine too.")
    await write.thread(people["elsewhere"], fran, "Not joined", "Robin never joined this circle.")
    walkers = await remote_circle("walkers", "far.example", visibility=Visibility.MEMBERS)
    await approved_member(walkers, robin)
    kim = await remote_person("kim", "far.example")
    clock.advance(1)
    remote = await Thread.create(
        uri="https://far.example/post/1", circle=walkers, author=kim, title="Walking at dawn",
        content_html="<p>Join</p>", audience=Visibility.MEMBERS, published_at=clock.now(), last_activity_at=clock.now())
    answer = await write.reply(private, robin, "I hear you.")
    gone = await write.reply(opening, sam, "Posted by mistake.")
    await posting.delete_reply(site_of(settings), gone, sam, now=clock.now())
    robin_token = await token_of(client, app_client, "robin")
    statuses, links = await statuses_at(client, HOME, robin_token)
    assert [status["id"] for status in statuses] == [
        status_id(row) for row in (answer, remote, first, private, opening)]
    assert texts(statuses)[1] == "<p><strong>Walking at dawn</strong></p><p>Join</p>"
    assert statuses[0]["in_reply_to_id"] == status_id(private) and statuses[2]["in_reply_to_id"] == status_id(opening)
    assert "Not joined" not in str(statuses) and "Posted by mistake" not in str(statuses)
    assert "prev" in links and "next" not in links, "a page that is not full has nothing older"
    assert (await client.get(HOME)).status == 401
    assert (await client.get(HOME, headers=await app_only(client, app_client))).status == 403


async def test_held_posts_are_their_authors_alone_on_home(client, settings, clock, people, app_client):
    await ContentRule.create(pattern="hopeless", action=ContentRuleAction.HOLD)
    write = Writer(settings, clock)
    mine = await write.thread(people["quiet"], people["robin"], "Feeling hopeless", "Everything is hopeless.")
    theirs = await write.thread(people["quiet"], people["sam"], "Hopeless too", "It is all hopeless.")
    robin, sam = [await token_of(client, app_client, name) for name in ("robin", "sam")]
    statuses, _ = await statuses_at(client, HOME, robin)
    assert [status["id"] for status in statuses] == [status_id(mine)]
    statuses, _ = await statuses_at(client, HOME, sam)
    assert [status["id"] for status in statuses] == [status_id(theirs)]


async def test_paging_walks_every_status_once_also_where_rows_share_a_millisecond(
    client, settings, clock, people, app_client
):
    write = Writer(settings, clock)
    grief, quiet, fran, sam = people["grief"], people["quiet"], people["fran"], people["sam"]
    rows = [await write.thread(grief, fran, "Before"), await write.thread(grief, sam, "Tied 0")]
    rows += [await write.thread(c, sam, f"Tied {n}", tick=False) for n, c in enumerate([quiet, grief, quiet], 1)]
    rows += [await write.reply(rows[0], fran, f"Tied reply {n}", tick=False) for n in range(4)]
    rows += [await write.reply(rows[1], sam, f"Later reply {n}") for n in range(3)]
    everything = sorted((int(status_id(row)) for row in rows), reverse=True)
    robin = await token_of(client, app_client, "robin")
    whole, _ = await statuses_at(client, f"{HOME}?limit=40", robin)
    assert [int(status["id"]) for status in whole] == everything
    for limit in (1, 2, 3, 5):
        walked, path = [], f"{HOME}?limit={limit}"
        while path:
            page, links = await statuses_at(client, path, robin)
            assert len(page) <= limit
            walked += [int(status["id"]) for status in page]
            path = links.get("next")
        assert walked == everything, f"limit {limit}: no duplicate, no gap, newest first"
        back, path = [], f"{HOME}?limit={limit}&min_id={everything[-1]}"
        while path:
            page, links = await statuses_at(client, path, robin)
            back = [int(status["id"]) for status in page] + back
            path = links.get("prev") if page else None
        assert back == everything[:-1], f"limit {limit}: walking back up by min_id"
    for index in range(len(everything)):
        since, _ = await statuses_at(client, f"{HOME}?limit=40&since_id={everything[index]}", robin)
        assert [int(status["id"]) for status in since] == everything[:index]
        below, _ = await statuses_at(client, f"{HOME}?limit=40&max_id={everything[index]}", robin)
        assert [int(status["id"]) for status in below] == everything[index + 1 :]
    for query in ("max_id=9999999999999999999", "since_id=0", "min_id=1"):
        edge, _ = await statuses_at(client, f"{HOME}?limit=40&{query}", robin)
        assert [int(status["id"]) for status in edge] == everything, query
    assert (await client.get(f"{HOME}?max_id=abc", headers=robin)).status == 422


async def test_a_ban_or_leaving_takes_the_circle_off_home_at_once(client, settings, clock, people, app_client):
    write = Writer(settings, clock)
    fran, robin, quiet = people["fran"], people["robin"], people["quiet"]
    calm = await circle(settings, "calm", visibility=Visibility.MEMBERS, facilitator=fran)
    await approved_member(calm, robin)
    said = await write.thread(quiet, robin, "What I said", "In the quiet circle.")
    await write.reply(said, people["sam"], "Thank you for saying it.")
    await write.thread(calm, fran, "Calm things", "Breathing together.")
    public = await write.thread(people["grief"], fran, "Open thread", "For everyone.")
    token = await token_of(client, app_client, "robin")
    assert len((await statuses_at(client, HOME, token))[0]) == 4
    await moderation.ban_member(site_of(settings), quiet, robin, fran, reason="", reason_shared=False,
                                expires_at=None, remove_data=False, now=clock.now())
    await membership.leave_circle(site_of(settings), calm, robin, now=clock.now())
    statuses, _ = await statuses_at(client, HOME, token)
    assert [status["id"] for status in statuses] == [status_id(public)], "not even what they wrote themselves"


async def test_the_public_timeline_holds_public_circles_public_posts_only(
    client, settings, clock, people, app_client
):
    write = Writer(settings, clock)
    fran, sam, robin = people["fran"], people["sam"], people["robin"]
    opened = await circle(settings, "opened", visibility=Visibility.MEMBERS, facilitator=fran)
    await write.thread(opened, fran, "Written in confidence", "Before the circle opened.")
    opened.visibility = Visibility.PUBLIC
    await opened.save()
    shown = await write.thread(people["grief"], fran, "Open thread", "For everyone.")
    private = await write.thread(people["quiet"], sam, "Private worry", "Only for us.")
    await write.reply(private, robin, "Me too.")
    here = await circle(settings, "here", visibility=Visibility.LOCAL, facilitator=fran)
    await write.thread(here, fran, "Local only", "For members here.")
    answer = await write.reply(shown, sam, "A public reply.")
    expected = [status_id(answer), status_id(shown)]
    readers = [None, await token_of(client, app_client, "robin"), await app_only(client, app_client)]
    for headers in readers:
        for query in ("", "?local=true", "?local=1&limit=40"):
            statuses, _ = await statuses_at(client, PUBLIC + query, headers)
            assert [status["id"] for status in statuses] == expected, (headers, query)
            assert all(status["visibility"] == "public" for status in statuses)
        for query in ("?remote=true", "?only_media=1", "?local=true&remote=true"):
            assert await answer_of(client, PUBLIC + query, headers) == (200, b"[]")


async def test_hashtags_and_lists_are_empty_here(client, people, app_client):
    robin = await token_of(client, app_client, "robin")
    assert await answer_of(client, "/api/v1/timelines/tag/grief", robin) == (200, b"[]")
    assert await answer_of(client, "/api/v1/timelines/tag/grief") == (200, b"[]")
    assert await answer_of(client, "/api/v1/timelines/list/1", robin) == (404, b'{"error": "Record not found"}')
    assert (await client.get("/api/v1/timelines/list/1")).status == 401
