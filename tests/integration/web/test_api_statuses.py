"""Mastodon client API statuses (issue 19): a thread is a status mentioning its circle (its title in bold on the
first line), a reply names its thread; reading follows the thread page's rule exactly (a status one may not read
answers as a missing one does), and API posts pass the same safety net as web posts."""

from __future__ import annotations

import json

import pytest

from circlefed.domain.moderation import ban_member
from circlefed.storage.models import (
    Actor,
    ContentRule,
    ContentRuleAction,
    Delivery,
    InstancePolicy,
    Post,
    ReviewState,
    Thread,
    Visibility,
)
from circlefed.web.api.status_views import status_id
from tests.factories import approved_member, remote_circle, site_of
from tests.integration.web.api_support import MISSING, STATUSES, answer_of, post_status, token_of
from tests.integration.web.member_world import circle, page, person
from tests.integration.web.oauth_flow import bearer, register

pytestmark = pytest.mark.storage
@pytest.fixture
async def app_client(client):
    return await register(client)


async def test_a_thread_posted_by_mentioning_its_circle_is_on_the_circle_page(client, grief, app_client):
    robin = await token_of(client, app_client, "robin")
    status, body = await post_status(
        client, robin, status="@grief Rough night <again>\nCould not sleep at all.", spoiler_text="sleep"
    )
    assert status == 200, body
    thread = await Thread.get(title="Rough night <again>")
    assert body["id"] == status_id(thread) and thread.source == "Could not sleep at all."
    assert body["content"].startswith("<p><strong>Rough night &lt;again&gt;</strong></p>")
    assert (body["visibility"], body["spoiler_text"], body["sensitive"]) == ("public", "sleep", True)
    assert body["mentions"][0]["acct"] == "grief" and body["account"]["username"] == "robin"
    assert body["in_reply_to_id"] is None and body["favourites_count"] == 0
    assert "Rough night &lt;again&gt;" in await page(client, "/c/grief")
    # A public circle's status: anyone may read it, with no token or an app-only one.
    assert (await client.get(f"{STATUSES}/{body['id']}")).status == 200
    only_app = await client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app_client.client_id,
        "client_secret": app_client.client_secret})
    app_token = (await only_app.json())["access_token"]
    assert (await client.get(f"{STATUSES}/{body['id']}", headers=bearer(app_token))).status == 200


async def test_a_new_thread_needs_one_circle_and_a_title(client, grief, app_client):
    robin = await token_of(client, app_client, "robin")
    assert await post_status(client, robin, status="  ") == (422, {"error": "Validation failed: Text can't be blank"})
    status, body = await post_status(client, robin, status="@grief\n\n")
    assert (status, body["error"]) == (422, "A thread needs a title on its first line")
    status, body = await post_status(client, robin, status="@grief   \nonly a body")
    assert (status, body["error"]) == (422, "A thread needs a title on its first line")
    status, body = await post_status(client, robin, status="No circle named")
    assert status == 422 and "Mention the one circle" in body["error"]
    status, body = await post_status(client, robin, status="@hope@partner.example Hi")
    assert status == 422 and "Join a circle of another instance" in body["error"]
    status, body = await post_status(client, robin, status="@grief@127.0.0.1:8080 Title only")
    assert status == 200, body
    assert (await Thread.get(title="Title only")).source == "Title only"


async def test_replies_by_in_reply_to_id_and_the_context(client, grief, app_client):
    robin = await token_of(client, app_client, "robin")
    _, opening = await post_status(client, robin, status="@grief Evenings\nThey are long.")
    status, first = await post_status(client, robin, status="Still long.", in_reply_to_id=opening["id"])
    assert status == 200, first
    assert first["in_reply_to_id"] == opening["id"] and int(first["id"]) > int(opening["id"])
    assert first["in_reply_to_account_id"] == opening["account"]["id"]
    _, second = await post_status(client, robin, status="Better now.", in_reply_to_id=first["id"])
    assert second["in_reply_to_id"] == opening["id"], "a reply to a reply is a reply in the thread"
    thread = await Thread.get(title="Evenings")
    assert status_id(thread) == opening["id"] and await Post.filter(thread_id=thread.id).count() == 2
    context = await (await client.get(f"{STATUSES}/{opening['id']}/context", headers=robin)).json()
    assert context["ancestors"] == [] and [s["id"] for s in context["descendants"]] == [first["id"], second["id"]]
    context = await (await client.get(f"{STATUSES}/{first['id']}/context", headers=robin)).json()
    assert [s["id"] for s in context["ancestors"]] == [opening["id"]]
    assert [s["id"] for s in context["descendants"]] == [second["id"]]
    shown = await (await client.get(f"{STATUSES}/{opening['id']}", headers=robin)).json()
    assert shown["replies_count"] == 2


async def test_the_crisis_hold_applies_to_an_api_post_as_to_a_web_post(client, grief, settings, app_client):
    await InstancePolicy.create(crisis_resources="Call the helpline at 0800 111 222.")
    await ContentRule.create(pattern="hopeless", action=ContentRuleAction.HOLD)
    sam = await person(settings, "sam")
    await approved_member(grief, sam)
    robin = await token_of(client, app_client, "robin")
    other = await token_of(client, app_client, "sam")
    status, body = await post_status(client, robin, status="@grief Feeling hopeless\nEverything is hopeless.")
    assert status == 200, body
    assert "waiting for a facilitator" in body["circlefed_hold"] and "0800 111 222" in body["circlefed_hold"]
    held = await Thread.get(title="Feeling hopeless")
    assert held.review_state is ReviewState.HELD
    assert (await client.get(f"{STATUSES}/{body['id']}", headers=robin)).status == 200, "its author sees it"
    assert await answer_of(client, "GET", f"{STATUSES}/{body['id']}", other) == await answer_of(
        client, "GET", MISSING, other)
    assert await answer_of(client, "GET", f"{STATUSES}/{body['id']}") == await answer_of(client, "GET", MISSING)
    assert "Feeling hopeless" not in await page(client, "/c/grief")


async def test_a_members_circle_is_closed_to_outsiders_and_the_banned_with_no_oracle(
    client, settings, clock, member, app_client
):
    fran = await person(settings, "fran")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    robin_actor = await Actor.get(local_name="robin")
    await approved_member(quiet, robin_actor)
    ada = await person(settings, "ada")
    await approved_member(quiet, ada)
    await person(settings, "sam")
    robin = await token_of(client, app_client, "robin")
    status, body = await post_status(client, robin, status="@quiet Private worry\nOnly for us.")
    assert status == 200, body
    assert body["visibility"] == "private"
    facilitator = await token_of(client, app_client, "fran")
    seen = await (await client.get(f"{STATUSES}/{body['id']}", headers=facilitator)).json()
    assert "robin" not in json.dumps(seen["account"]), "the thread page's name in the circle, never the username"
    _, reply = await post_status(client, robin, status="And more.", in_reply_to_id=body["id"])
    await ban_member(site_of(settings), quiet, ada, fran, now=clock.now())
    outsider = await token_of(client, app_client, "sam")
    banned = await token_of(client, app_client, "ada")
    for headers in (outsider, banned, None):
        for path in (body["id"], reply["id"], f"{body['id']}/context", f"{reply['id']}/context"):
            missing = MISSING + ("/context" if path.endswith("context") else "")
            got = await answer_of(client, "GET", f"{STATUSES}/{path}", headers)
            assert got == await answer_of(client, "GET", missing, headers) == (404, b'{"error": "Record not found"}')
    for headers in (outsider, banned):
        for method, suffix in (("POST", "/favourite"), ("POST", "/unfavourite"), ("DELETE", "")):
            got = await answer_of(client, method, f"{STATUSES}/{body['id']}{suffix}", headers)
            assert got == await answer_of(client, method, f"{MISSING}{suffix}", headers)
        status, answer = await post_status(client, headers, status="Let me in", in_reply_to_id=body["id"])
        assert (status, answer) == (404, {"error": "Record not found"})
        status, answer = await post_status(client, headers, status="@quiet Hello\nThere.")
        assert status == 403, answer
    assert await Post.filter(source="Let me in").count() == 0 and not await Thread.exists(title="Hello")


async def test_a_revoked_token_and_a_read_only_token(client, grief, app_client):
    read_only = await token_of(client, app_client, "robin", scope="read")
    status, body = await post_status(client, read_only, status="@grief Hi\nThere.")
    assert (status, body) == (403, {"error": "This action is outside the authorized scopes"})
    robin = await token_of(client, app_client, "robin")
    _, made = await post_status(client, robin, status="@grief Hi\nThere.")
    token = robin["Authorization"].split()[1]
    revoked = await client.post("/oauth/revoke", data={
        "token": token, "client_id": app_client.client_id, "client_secret": app_client.client_secret})
    assert revoked.status == 200
    for method, path in (("GET", f"{STATUSES}/{made['id']}"), ("DELETE", f"{STATUSES}/{made['id']}")):
        status, _ = await answer_of(client, method, path, robin)
        assert status == 401
    assert (await post_status(client, robin, status="@grief Again\nx."))[0] == 401


async def test_favourites_and_deleting(client, grief, settings, app_client):
    sam_actor = await person(settings, "sam")
    await approved_member(grief, sam_actor)
    robin = await token_of(client, app_client, "robin")
    sam = await token_of(client, app_client, "sam")
    _, made = await post_status(client, robin, status="@grief Small wins\nI walked today.")
    for _ in range(2):
        liked = await (await client.post(f"{STATUSES}/{made['id']}/favourite", headers=sam)).json()
        assert (liked["favourites_count"], liked["favourited"]) == (1, True)
    mine = await (await client.get(f"{STATUSES}/{made['id']}", headers=robin)).json()
    assert (mine["favourites_count"], mine["favourited"]) == (1, False)
    for _ in range(2):
        taken = await (await client.post(f"{STATUSES}/{made['id']}/unfavourite", headers=sam)).json()
        assert (taken["favourites_count"], taken["favourited"]) == (0, False)
    refused = await client.delete(f"{STATUSES}/{made['id']}", headers=sam)
    assert refused.status == 403
    deleted = await client.delete(f"{STATUSES}/{made['id']}", headers=robin)
    assert deleted.status == 200
    assert (await deleted.json())["text"] == "@grief Small wins\n\nI walked today."
    gone = await Thread.get_or_none(title="Small wins")
    assert gone is None or gone.deleted_at is not None
    assert await answer_of(client, "GET", f"{STATUSES}/{made['id']}", robin) == await answer_of(
        client, "GET", MISSING, robin)


async def test_a_thread_in_a_joined_circle_of_another_instance_goes_to_it(client, grief, member, app_client):
    hope = await remote_circle("hope", "partner.example", visibility=Visibility.MEMBERS)
    robin = await token_of(client, app_client, "robin")
    status, body = await post_status(client, robin, status="@hope@partner.example Hi\nFrom my phone.")
    assert (status, body) == (404, {"error": "Record not found"}), "a members circle one has not joined"
    await approved_member(hope, await member.actor)
    status, body = await post_status(client, robin, status="@Hope@Partner.example Hi\nFrom my phone.")
    assert status == 200, body
    assert body["visibility"] == "private" and body["mentions"][0]["acct"] == "hope@partner.example"
    thread = await Thread.get(title="Hi")
    assert thread.circle_id == hope.id and thread.source == "From my phone."
    sent = await Delivery.filter(activity__type="Create").values_list("inbox_uri", flat=True)
    assert "https://partner.example/c/hope/inbox" in sent
