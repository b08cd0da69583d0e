"""Edits pass the same safety net as new posts: a held edit waits while the circle sees the earlier text, a
content rule refuses an edit as it refuses a post, the author is told every decision, and facilitators see what
changed and when. Every form is sent from the page that shows it (issue 15)."""

from __future__ import annotations

import pytest

from circlefed.app import create_app
from circlefed.storage.models import (
    Account,
    ContentRule,
    ContentRuleAction,
    Delivery,
    InstancePolicy,
    ReviewState,
    Thread,
)
from tests.conftest import settings_for
from tests.factories import approved_member
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import circle, page, path_of, person, thread
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage
CRISIS = "I am going to kill myself tonight."


@pytest.fixture
async def grief(settings, clock, member):
    """A public circle with fran (facilitator) and robin (member, signed in by the tests), and a remote member's
    instance so that what federates can be seen as deliveries."""
    fran = await person(settings, "fran")
    made = await circle(settings, "grief", facilitator=fran)
    await approved_member(made, await member.actor)
    await InstancePolicy.create(crisis_resources="Call the helpline at 0800 111 222.")
    return made


async def _edit(client, row_path: str, body: str, title: str | None = None):
    fill = {"body": body} | ({"title": title} if title is not None else {})
    return await submit(client, f"{row_path}/edit", "Save", fill)


async def test_an_edit_into_crisis_words_is_held_and_the_circle_keeps_the_earlier_text(client, grief, settings, clock):
    await sign_in(client)
    mine = await thread(settings, clock, grief, await (await _robin()).actor, "Evenings", "Quiet today.")
    response = await _edit(client, f"/threads/{mine.id}", CRISIS)
    assert response.status == 303 and response.headers["Location"].startswith("/posting/care?")
    care = await page(client, response.headers["Location"])
    assert "Your edit is waiting for a facilitator" in care and "0800 111 222" in care
    stored = await Thread.get(id=mine.id)
    assert stored.source == "Quiet today." and stored.review_state is ReviewState.VISIBLE
    assert not await Delivery.filter(activity__type="Update").exists(), "a held edit does not leave the instance"
    own_view = await page(client, path_of(mine.uri))
    assert "Your edit is waiting for a facilitator" in own_view and "kill myself" in own_view
    client.session.cookie_jar.clear()
    await sign_in(client, "fran")
    fran_view = await page(client, path_of(mine.uri))
    assert "Quiet today." in fran_view and "kill myself" not in fran_view, "the circle sees the earlier text"
    held = await page(client, "/c/grief/facilitate/held")
    assert "Edits held for review" in held and "kill myself" in held and "Quiet today." in held
    approved = await submit(client, "/c/grief/facilitate/held", "Approve the edit")
    assert approved.status == 303
    assert (await Thread.get(id=mine.id)).source == CRISIS
    history = await page(client, f"/c/grief/facilitate/history?kind=thread&id={mine.id}")
    assert "Quiet today." in history and "Until" in history


async def test_a_declined_edit_and_a_declined_post_tell_their_author_why(client, grief, settings, clock):
    await ContentRule.create(pattern="hopeless", action=ContentRuleAction.HOLD)
    await sign_in(client)
    robin = await (await _robin()).actor
    mine = await thread(settings, clock, grief, robin, "Evenings", "Quiet today.")
    assert (await _edit(client, f"/threads/{mine.id}", "It all feels hopeless.")).status == 303
    held_post = await submit(client, "/c/grief/new", "Post", {"title": "Night", "body": "So hopeless."})
    assert held_post.status == 303
    client.session.cookie_jar.clear()
    await sign_in(client, "fran")
    assert (await submit(client, "/c/grief/facilitate/held", "Decline the edit",
                         {"note": "zqnote about the edit"})).status == 303
    declined = await submit(client, "/c/grief/facilitate/held", "Decline", {"note": "zqnote about the post"})
    assert declined.status == 303
    client.session.cookie_jar.clear()
    await sign_in(client)
    edited_view = await page(client, path_of(mine.uri))
    assert "A facilitator declined your edit" in edited_view and "zqnote about the edit" in edited_view
    night = await Thread.get(title="Night")
    night_view = await page(client, path_of(night.uri))
    assert "declined by a facilitator" in night_view and "waiting for a facilitator" not in night_view
    assert "zqnote about the post" in night_view


async def test_a_content_rule_refuses_an_edit_as_it_refuses_a_post_and_keeps_the_text(client, grief, settings, clock):
    await ContentRule.create(pattern="buy now", action=ContentRuleAction.REJECT)
    await sign_in(client)
    mine = await thread(settings, clock, grief, await (await _robin()).actor, "Evenings", "Quiet today.")
    response = await _edit(client, f"/threads/{mine.id}", "Please buy now, friends")
    text = await response.text()
    assert response.status == 403 and "content rule" in text and "Please buy now, friends" in text
    assert (await Thread.get(id=mine.id)).source == "Quiet today."


async def test_a_held_post_edited_by_its_author_shows_facilitators_every_version(client, grief, settings, clock):
    await ContentRule.create(pattern="hopeless", action=ContentRuleAction.HOLD)
    await sign_in(client)
    assert (await submit(client, "/c/grief/new", "Post", {"title": "Night", "body": "So hopeless."})).status == 303
    night = await Thread.get(title="Night")
    assert (await _edit(client, f"/threads/{night.id}", "Feeling a bit better now.")).status == 303
    client.session.cookie_jar.clear()
    await sign_in(client, "fran")
    held = await page(client, "/c/grief/facilitate/held")
    assert "Feeling a bit better now." in held and "Earlier versions of this post" in held
    history = await page(client, f"/c/grief/facilitate/history?kind=thread&id={night.id}")
    assert "So hopeless." in history and "Feeling a bit better now." in history


async def test_edits_count_against_the_posting_rate(aiohttp_client, database_url, db, clock, member):
    settings = settings_for(database_url, moderation={"account_post_burst": 1, "account_posts_per_minute": 1})
    fran = await person(settings, "fran")
    made = await circle(settings, "grief", facilitator=fran)
    await approved_member(made, await member.actor)
    mine = await thread(settings, clock, made, await member.actor, "Evenings", "Quiet today.")
    client = await aiohttp_client(create_app(settings, clock=clock))
    await sign_in(client)
    assert (await _edit(client, f"/threads/{mine.id}", "First change.")).status == 303
    second = await _edit(client, f"/threads/{mine.id}", "Second change.")
    assert second.status == 429 and (await Thread.get(id=mine.id)).source == "First change."


async def _robin() -> Account:
    return await Account.get(username="robin")
