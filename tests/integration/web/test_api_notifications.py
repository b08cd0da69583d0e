"""Mastodon client API notifications: a reply to a member's thread is a mention carrying the reply, a like a
favourite told as the circle's (voters are never shown), each member reads only their own, and dismissing,
clearing, paging and the type filters answer as Mastodon's do."""

from __future__ import annotations

import json

import pytest

from circlefed.services import posting
from circlefed.storage.models import Actor, Notification, Thread
from tests.factories import approved_member, site_of
from tests.integration.web.api_support import answer_of, post_status, token_of
from tests.integration.web.member_world import person
from tests.integration.web.oauth_flow import register

pytestmark = pytest.mark.storage
NOTIFICATIONS = "/api/v1/notifications"


@pytest.fixture
async def app_client(client):
    return await register(client)


@pytest.fixture
async def sam(settings, grief):
    return await approved_member(grief, await person(settings, "sam"))


async def listed(client, headers, query: str = "") -> list[dict]:
    response = await client.get(f"{NOTIFICATIONS}{query}", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_reply_to_a_members_thread_is_a_mention_with_the_reply(client, grief, sam, app_client):
    robin = await token_of(client, app_client, "robin")
    other = await token_of(client, app_client, "sam")
    _, opening = await post_status(client, robin, status="@grief Evenings\nThey are long.")
    _, own = await post_status(client, robin, status="Talking to myself.", in_reply_to_id=opening["id"])
    assert await listed(client, robin) == [], "nobody is told of their own reply"
    status, reply = await post_status(client, other, status="Mine too, some nights.", in_reply_to_id=opening["id"])
    assert status == 200, reply
    (told,) = await listed(client, robin)
    assert (told["type"], told["status"]["id"]) == ("mention", reply["id"])
    assert told["status"]["in_reply_to_id"] == opening["id"] and "Mine too" in told["status"]["content"]
    assert told["account"] == told["status"]["account"] and told["account"]["username"] == "sam"
    assert told["group_key"] == f"ungrouped-{told['id']}" and told["created_at"].endswith("Z")
    assert await listed(client, other) == [], "sam is told nothing of his own reply, and never of robin's"
    one = await client.get(f"{NOTIFICATIONS}/{told['id']}", headers=robin)
    assert (one.status, await one.json()) == (200, told)
    theirs = await answer_of(client, "GET", f"{NOTIFICATIONS}/{told['id']}", other)
    assert theirs == await answer_of(client, "GET", f"{NOTIFICATIONS}/999999", other)
    assert theirs == (404, b'{"error": "Record not found"}')
    # A reply to robin's reply tells robin too, once, though it is her thread as well.
    _, answer = await post_status(client, other, status="Yes.", in_reply_to_id=own["id"])
    assert [n["status"]["id"] for n in await listed(client, robin)] == [answer["id"], reply["id"]]


async def test_a_like_is_told_as_the_circles_and_goes_with_the_like(client, grief, sam, app_client):
    robin = await token_of(client, app_client, "robin")
    other = await token_of(client, app_client, "sam")
    _, opening = await post_status(client, robin, status="@grief Small wins\nI walked today.")
    await client.post(f"/api/v1/statuses/{opening['id']}/favourite", headers=robin)
    assert await listed(client, robin) == [], "liking one's own post tells nobody"
    await client.post(f"/api/v1/statuses/{opening['id']}/favourite", headers=other)
    (told,) = await listed(client, robin)
    assert (told["type"], told["status"]["id"], told["status"]["favourites_count"]) == ("favourite", opening["id"], 2)
    assert told["account"]["group"] is True and told["account"]["acct"] == "grief"
    assert "sam" not in json.dumps(told), "who liked a post is never shown"
    await client.post(f"/api/v1/statuses/{opening['id']}/unfavourite", headers=other)
    assert await listed(client, robin) == [] and not await Notification.exists()


async def test_dismissing_one_and_clearing_all(client, grief, sam, app_client):
    robin = await token_of(client, app_client, "robin")
    other = await token_of(client, app_client, "sam")
    _, opening = await post_status(client, robin, status="@grief Sleep\nNone again.")
    for text in ("One.", "Two.", "Three."):
        await post_status(client, other, status=text, in_reply_to_id=opening["id"])
    newest, middle, oldest = await listed(client, robin)
    refused = await answer_of(client, "POST", f"{NOTIFICATIONS}/{newest['id']}/dismiss", other)
    assert refused == (404, b'{"error": "Record not found"}'), "nobody dismisses another member's notification"
    dismissed = await client.post(f"{NOTIFICATIONS}/{middle['id']}/dismiss", headers=robin)
    assert (dismissed.status, await dismissed.json()) == (200, {})
    assert [n["id"] for n in await listed(client, robin)] == [newest["id"], oldest["id"]]
    assert (await client.get(f"{NOTIFICATIONS}/{middle['id']}", headers=robin)).status == 404
    read_only = await token_of(client, app_client, "robin", scope="read")
    assert (await client.post(f"{NOTIFICATIONS}/clear", headers=read_only)).status == 403
    cleared = await client.post(f"{NOTIFICATIONS}/clear", headers=robin)
    assert (cleared.status, await cleared.json()) == (200, {})
    assert await listed(client, robin) == []


async def test_pages_and_type_filters(client, grief, sam, app_client, settings, clock):
    robin = await token_of(client, app_client, "robin")
    other = await token_of(client, app_client, "sam")
    _, opening = await post_status(client, robin, status="@grief Mornings\nSlow.")
    replies = [(await post_status(client, other, status=f"Reply {n}.", in_reply_to_id=opening["id"]))[1]
               for n in range(5)]
    await client.post(f"/api/v1/statuses/{opening['id']}/favourite", headers=other)
    everything = await listed(client, robin)
    assert [n["type"] for n in everything] == ["favourite"] + ["mention"] * 5
    ids = [n["id"] for n in everything]
    assert ids == sorted(ids, key=int, reverse=True)
    first = await client.get(f"{NOTIFICATIONS}?limit=2", headers=robin)
    assert [n["id"] for n in await first.json()] == ids[:2]
    assert f"max_id={ids[1]}>; rel=\"next\"" in first.headers["Link"]
    assert f"min_id={ids[0]}>; rel=\"prev\"" in first.headers["Link"]
    assert [n["id"] for n in await listed(client, robin, f"?limit=2&max_id={ids[1]}")] == ids[2:4]
    assert [n["id"] for n in await listed(client, robin, f"?limit=2&min_id={ids[4]}")] == ids[2:4]
    assert [n["id"] for n in await listed(client, robin, f"?since_id={ids[2]}")] == ids[:2]
    mentions = await listed(client, robin, "?types[]=mention&limit=40")
    assert [n["status"]["id"] for n in mentions] == [r["id"] for r in reversed(replies)]
    assert [n["type"] for n in await listed(client, robin, "?exclude_types[]=mention")] == ["favourite"]
    assert await listed(client, robin, "?types[]=reblog") == []
    beyond = "9" * 19  # no notification has such an id: a bound beyond every id
    assert [n["id"] for n in await listed(client, robin, f"?max_id={beyond}")] == ids
    assert await listed(client, robin, f"?since_id={beyond}") == []
    assert (await client.get(f"{NOTIFICATIONS}/{beyond}", headers=robin)).status == 404
    bad = await client.get(f"{NOTIFICATIONS}?max_id=abc", headers=robin)
    assert bad.status == 422 and "max_id" in (await bad.json())["error"]
    # A deleted reply takes its mention with it; robin is told of the rest.
    thread = await Thread.get(title="Mornings")
    gone = await thread.posts.all().order_by("id").first()
    await posting.delete_reply(site_of(settings), gone, await Actor.get(local_name="sam"), now=clock.now())
    assert replies[0]["id"] not in [n["status"]["id"] for n in await listed(client, robin)]


async def test_scopes_unread_count_policy_and_requests(client, grief, sam, app_client):
    robin = await token_of(client, app_client, "robin")
    other = await token_of(client, app_client, "sam")
    statuses_only = await token_of(client, app_client, "robin", scope="read:statuses")
    assert (await client.get(NOTIFICATIONS, headers=statuses_only)).status == 403
    assert (await client.get(NOTIFICATIONS)).status == 401
    _, opening = await post_status(client, robin, status="@grief Quiet\nDay.")
    for text in ("A.", "B."):
        await post_status(client, other, status=text, in_reply_to_id=opening["id"])
    count = await client.get(f"{NOTIFICATIONS}/unread_count", headers=robin)
    assert (count.status, await count.json()) == (200, {"count": 2})
    newest, _ = await listed(client, robin)
    marked = await client.post("/api/v1/markers", data={"notifications[last_read_id]": newest["id"]}, headers=robin)
    assert marked.status == 200
    assert await (await client.get(f"{NOTIFICATIONS}/unread_count", headers=robin)).json() == {"count": 0}
    await post_status(client, other, status="C.", in_reply_to_id=opening["id"])
    assert await (await client.get(f"{NOTIFICATIONS}/unread_count", headers=robin)).json() == {"count": 1}
    policy = await (await client.get("/api/v2/notifications/policy", headers=robin)).json()
    assert policy["for_not_following"] == "accept" and policy["summary"]["pending_requests_count"] == 0
    requests = await client.get(f"{NOTIFICATIONS}/requests", headers=robin)
    assert (requests.status, await requests.json()) == (200, [])
