"""The search page (/search): threads and replies the viewer may read now, found by their words, newest first, in
every circle or in one; a member finds a phrase of another member's reply in their members circle, and nobody else
finds anything of it (no sign-in, a non-member, a banned member, a member who left): their page is the page of a
query that matches nothing. Titles and excerpts are shown as text, never as HTML."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from jinja2.filters import do_urlencode
from markupsafe import escape

from circlefed.domain.text_search import MAX_OFFSET
from circlefed.services import membership, moderation, posting
from circlefed.storage.models import Actor, ReviewState, Thread, Visibility
from tests.factories import approved_member, remote_circle, remote_person, site_of
from tests.integration.web.api_readers import Writer
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import circle, page, path_of, person

pytestmark = pytest.mark.storage
NO_MATCH = "zebra quartz"
_RESULTS = re.compile(r'<ol class="results">(.*?)</ol>', re.S)


@pytest.fixture
async def quiet_world(settings, clock, grief, member):
    """quiet (members only): fran facilitates, robin, ada and lee are members, sam is not; robin's thread, ada's
    reply in it; and a public thread in grief."""
    fran = await Actor.get(local_name="fran")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    robin = await member.actor
    ada, lee, sam = await person(settings, "ada"), await person(settings, "lee"), await person(settings, "sam")
    for who in (robin, ada, lee):
        await approved_member(quiet, who)
    write = Writer(settings, clock)
    thread = await write.thread(quiet, robin, "Mornings are hard", "The long walk at dawn helped me today.")
    reply = await write.reply(thread, ada, "A warm bath at night helps me sleep.")
    public = await write.thread(grief, fran, "Open walks", "A walk at dawn, for everyone.")
    return {"quiet": quiet, "fran": fran, "ada": ada, "lee": lee, "sam": sam, "thread": thread, "reply": reply,
            "public": public}


def search_url(words: str, **more: str) -> str:
    return "/search?" + urlencode({"q": words, **more})


async def results_of(client, words: str, **more: str) -> str:
    """The page's list of results (empty when there is none)."""
    found = _RESULTS.search(await page(client, search_url(words, **more)))
    return found.group(1) if found else ""


async def without_query(client, words: str, **more: str) -> str:
    """The whole page, with every place it repeats the query (and the circle as typed) replaced by the same mark."""
    text = await page(client, search_url(words, **more))
    for shown in (str(escape(words)), do_urlencode(words), do_urlencode("/search?q=" + do_urlencode(words))):
        text = text.replace(shown, "QUERY")
    typed = str(escape(more.get("circle", "")))
    return re.sub(rf"(?<![\w-]){re.escape(typed)}(?![\w-])", "CIRCLE", text) if typed else text


async def test_a_member_finds_a_phrase_of_another_members_reply(client, quiet_world):
    await sign_in(client, "robin")
    reply, thread = quiet_world["reply"], quiet_world["thread"]
    found = await results_of(client, '"bath at night"')
    assert found.count("<li>") == 1
    assert f'href="{path_of(thread.uri)}#post-{reply.id}"' in found
    assert "Reply in Mornings are hard" in found and "Quiet circle" in found
    assert "A warm <mark>bath at night</mark> helps me sleep." in found
    assert await results_of(client, '"night at bath"') == "", "a quoted phrase keeps its order"
    both = await results_of(client, "walk DAWN")
    assert both.index("Open <mark>walks</mark>") < both.index("Mornings are hard"), "newest first"
    assert "The long <mark>walk</mark> at <mark>dawn</mark> helped me today." in both
    assert 'href="/c/quiet"' in found


async def test_nobody_else_finds_anything_of_a_members_circle(client, settings, clock, quiet_world):
    quiet, fran = quiet_world["quiet"], quiet_world["fran"]
    await moderation.ban_member(site_of(settings), quiet, quiet_world["ada"], fran, reason="", reason_shared=False,
                                expires_at=None, remove_data=False, now=clock.now())
    await membership.leave_circle(site_of(settings), quiet, quiet_world["lee"], now=clock.now())
    for name in (None, "sam", "ada", "lee"):
        client.session.cookie_jar.clear()
        if name:
            await sign_in(client, name)
        for words in ("warm bath", '"bath at night"', "Mornings are hard", "long walk"):
            for within in ({}, {"circle": "quiet"}):
                assert await results_of(client, words, **within) == "", (name, words, within)
                assert await without_query(client, words, **within) == await without_query(
                    client, NO_MATCH, **within), (name, words, within)
        assert await without_query(client, "warm bath", circle="quiet") == await without_query(
            client, "warm bath", circle="no-such-circle"), "a circle one may not read is one that does not exist"
        assert "Open <mark>walks</mark>" in await results_of(client, "walk at dawn"), "what is public stays findable"


async def test_a_held_reply_is_found_by_its_author_alone(client, settings, clock, quiet_world):
    held = await Writer(settings, clock).reply(quiet_world["thread"], quiet_world["ada"], "Waiting for a lantern.")
    held.review_state = ReviewState.HELD
    await held.save()
    await sign_in(client, "ada")
    assert "<mark>lantern</mark>" in await results_of(client, "lantern")
    client.session.cookie_jar.clear()
    await sign_in(client, "robin")
    assert await results_of(client, "lantern") == ""


async def test_titles_and_excerpts_are_shown_as_text(client, settings, clock, grief, member):
    write = Writer(settings, clock)
    robin = await member.actor
    await write.thread(grief, robin, '<script>alert("title")</script> garden',
                       'Tomatoes <img src=x onerror="alert(1)"> and <b>beans</b> in the garden.')
    text = await page(client, search_url("garden"))
    found = _RESULTS.search(text).group(1)
    assert "<script>" not in text and "<img" not in found and "<b>" not in found
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; <mark>garden</mark>" in found
    assert "Tomatoes &lt;img src=x onerror=&#34;alert(1)&#34;&gt; and &lt;b&gt;beans&lt;/b&gt; in the" in found
    query = await page(client, search_url('"><script>alert(2)</script>'))
    assert "<script>alert(2)" not in query and "&lt;script&gt;alert(2)" in query


async def test_an_empty_or_too_short_query_shows_the_form_with_a_message(client):
    first = await page(client, "/search")
    assert 'role="search"' in first and 'name="q"' in first and "at least two letters" not in first
    for words in ("", "   ", "a", "% _ !", '""'):
        text = await page(client, search_url(words))
        assert "Type a word of at least two letters or digits" in text and 'aria-invalid="true"' in text, words
        assert "Nothing found" not in text
    assert "Nothing found" in await page(client, search_url("zz"))
    await page(client, search_url("walk", page="0"), status=400)
    await page(client, search_url("walk", page="many"), status=400)


async def test_more_results_come_page_by_page(client, settings, clock, grief, member):
    write = Writer(settings, clock)
    robin = await member.actor
    for n in range(23):
        await write.thread(grief, robin, f"Garden diary {n}", "Tomatoes and beans.")
    text = await page(client, search_url("tomatoes"))
    shown = re.findall(r"Garden diary (\d+)", _RESULTS.search(text).group(1))
    assert shown == [str(n) for n in range(22, 2, -1)]
    more = re.search(r'<a href="([^"]+)" rel="next">More results', text)
    assert more, "a link to more results"
    rest = await page(client, more.group(1).replace("&amp;", "&"))
    assert re.findall(r"Garden diary (\d+)", _RESULTS.search(rest).group(1)) == ["2", "1", "0"]
    assert "More results" not in rest
    assert MAX_OFFSET // 20 + 1 == 51
    await page(client, search_url("tomatoes", page="51"))
    await page(client, search_url("tomatoes", page="52"), status=400)


async def test_a_circle_page_searches_that_circle(client, settings, clock, quiet_world):
    await sign_in(client, "robin")
    circle_page = await page(client, "/c/quiet")
    assert re.search(r'<form method="get" action="/search" role="search">\s*'
                     r'<input type="hidden" name="circle" value="quiet">', circle_page)
    found = await results_of(client, "dawn", circle="quiet")
    assert "Mornings are hard" in found and "Open walks" not in found
    text = await page(client, search_url("dawn", circle="quiet"))
    assert 'Searching in <a href="/c/quiet">Quiet circle</a>' in text
    assert "Open walks" in await results_of(client, "dawn", circle="grief")
    assert await results_of(client, "dawn", circle="elsewhere") == ""
    assert await results_of(client, "dawn", circle="quiet@elsewhere.example") == ""


async def test_edits_and_deletions_change_what_is_found(client, settings, clock, quiet_world):
    site, robin = site_of(settings), await Actor.get(local_name="robin")
    thread = await Thread.get(id=quiet_world["thread"].id)
    await sign_in(client, "robin")
    await posting.edit_thread(site, thread, robin, title="Evenings are hard", source="A swim at dusk helped.",
                              content_warning=None, now=clock.now())
    assert await results_of(client, "mornings") == "" and await results_of(client, "walk", circle="quiet") == ""
    assert "<mark>Evenings</mark> are hard" in await results_of(client, "evenings swim")
    await posting.delete_reply(site, quiet_world["reply"], quiet_world["ada"], now=clock.now())
    assert await results_of(client, "bath") == ""


async def test_a_circle_from_elsewhere_is_searched_by_members_here_only(client, clock, member):
    hope = await remote_circle("hope", "partner.example")
    await approved_member(hope, await member.actor)
    kim = await remote_person("kim", "partner.example")
    copy = await Thread.create(uri="https://partner.example/t/1", circle=hope, author=kim, title="Tide pools",
                               content_html="<p>Shells <b>and</b> crabs at low tide.</p>", source="",
                               published_at=clock.now(), last_activity_at=clock.now())
    assert await results_of(client, "crabs") == "", "stored copies of circles elsewhere are for members here"
    await sign_in(client, "robin")
    assert 'name="circle" value="hope@partner.example"' in await page(client, f"/circles/remote/{hope.id}")
    found = await results_of(client, '"crabs at low tide"', circle="hope@partner.example")
    assert f'href="/threads/{copy.id}"' in found and "Shells and <mark>crabs at low tide</mark>." in found
