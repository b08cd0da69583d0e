"""Editing a status from an app: the author's own thread or reply, read back by /source as it was written, and
through the same safety net as the edit page (a held edit keeps the circle's earlier text)."""

from __future__ import annotations

import pytest

from circlefed.domain.content import MAX_TITLE_LENGTH
from circlefed.storage.models import Delivery, InstancePolicy, Post, ReviewState, Thread, Visibility
from tests.factories import approved_member
from tests.integration.web.api_support import MISSING, STATUSES, answer_of, post_status, token_of
from tests.integration.web.member_world import circle, page, person
from tests.integration.web.oauth_flow import register

pytestmark = pytest.mark.storage
CRISIS = "I am going to kill myself tonight."


@pytest.fixture
async def app_client(client):
    return await register(client)


async def put_status(client, headers, status_id: str, **data):
    response = await client.put(f"{STATUSES}/{status_id}", json=data, headers=headers)
    return response.status, await response.json()


async def test_the_author_edits_a_thread_and_a_reply_and_pages_show_it(client, grief, app_client):
    robin = await token_of(client, app_client, "robin")
    _, opening = await post_status(client, robin, status="@grief Evenings\nThey are long.")
    _, reply = await post_status(client, robin, status="Still long.", in_reply_to_id=opening["id"])
    source = await (await client.get(f"{STATUSES}/{opening['id']}/source", headers=robin)).json()
    assert source == {"id": opening["id"], "text": "@grief Evenings\n\nThey are long.", "spoiler_text": ""}
    status, edited = await put_status(
        client, robin, opening["id"], status="@grief Long evenings\nThey are shorter now.", spoiler_text="mood"
    )
    assert status == 200, edited
    assert edited["id"] == opening["id"] and edited["edited_at"] and edited["spoiler_text"] == "mood"
    thread = await Thread.get(id=(await Thread.get(title="Long evenings")).id)
    assert (thread.source, thread.content_warning) == ("They are shorter now.", "mood")
    assert "Long evenings" in await page(client, "/c/grief")
    status, edited = await put_status(client, robin, reply["id"], status="Shorter now, thanks.")
    assert status == 200 and "Shorter now, thanks." in edited["content"]
    assert await Post.filter(source="Shorter now, thanks.").count() == 1


async def test_an_edit_into_crisis_words_is_held_and_the_circle_keeps_the_earlier_text(client, grief, app_client):
    await InstancePolicy.create(crisis_resources="Call the helpline at 0800 111 222.")
    robin = await token_of(client, app_client, "robin")
    _, opening = await post_status(client, robin, status="@grief Evenings\nQuiet today.")
    status, edited = await put_status(client, robin, opening["id"], status=f"@grief Evenings\n{CRISIS}")
    assert status == 200, edited
    assert "Your edit is waiting for a facilitator" in edited["circlefed_hold"]
    assert "0800 111 222" in edited["circlefed_hold"]
    stored = await Thread.get(title="Evenings")
    assert stored.source == "Quiet today." and stored.review_state is ReviewState.VISIBLE
    assert "kill myself" not in edited["content"] and "kill myself" not in await page(client, "/c/grief")
    assert not await Delivery.filter(activity__type="Update").exists(), "a held edit does not leave the instance"


async def test_only_the_author_edits_and_an_outsider_cannot_tell_a_status_exists(client, settings, member, app_client):
    fran = await person(settings, "fran")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    await approved_member(quiet, await member.actor)
    await person(settings, "sam")
    robin = await token_of(client, app_client, "robin")
    _, made = await post_status(client, robin, status="@quiet Private worry\nOnly for us.")
    facilitator = await token_of(client, app_client, "fran")
    status, body = await put_status(client, facilitator, made["id"], status="@quiet Changed\nBy someone else.")
    assert (status, body) == (403, {"error": "Only the author can change this post"})
    outsider = await token_of(client, app_client, "sam")
    for method, suffix in (("PUT", ""), ("GET", "/source")):
        got = await answer_of(client, method, f"{STATUSES}/{made['id']}{suffix}", outsider)
        assert got == await answer_of(client, method, f"{MISSING}{suffix}", outsider)
        assert got[0] == 404
    status, body = await put_status(client, robin, made["id"], status="@quiet Private worry\nStill only for us.")
    assert status == 200 and body["visibility"] == "private"
    assert (await Thread.get(title="Private worry")).source == "Still only for us."


async def test_a_first_line_too_long_for_a_title_is_kept_whole_in_the_body(client, grief, app_client):
    robin = await token_of(client, app_client, "robin")
    words = ("word " * (MAX_TITLE_LENGTH // 3)).strip()
    status, body = await post_status(client, robin, status=f"@grief {words}\nAnd the rest.")
    assert status == 200, body
    thread = await Thread.get(circle_id=grief.id)
    assert len(thread.title) <= MAX_TITLE_LENGTH and thread.title.endswith("…")
    assert thread.source == f"{words}\n\nAnd the rest."


async def test_empty_text_and_media_are_refused_clearly(client, grief, app_client):
    robin = await token_of(client, app_client, "robin")
    _, made = await post_status(client, robin, status="@grief Evenings\nThey are long.")
    assert await put_status(client, robin, made["id"], status="  ") == (
        422, {"error": "Validation failed: Text can't be blank"})
    status, body = await put_status(client, robin, made["id"], status="x", media_ids=["1"])
    assert status == 422 and "text only" in body["error"]
    assert (await Thread.get(title="Evenings")).source == "They are long."
