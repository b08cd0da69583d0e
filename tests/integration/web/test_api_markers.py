"""Mastodon client API read markers: where a member stopped reading their home timeline and notifications,
saved by one app and read by another, with Mastodon's version and time, each member's own."""

from __future__ import annotations

import pytest

from tests.integration.web.api_support import token_of
from tests.integration.web.member_world import person
from tests.integration.web.oauth_flow import register

pytestmark = pytest.mark.storage
MARKERS = "/api/v1/markers"
BOTH = "?timeline[]=home&timeline[]=notifications"


@pytest.fixture
async def app_client(client):
    return await register(client)


async def read(client, headers, query: str = BOTH) -> dict:
    response = await client.get(f"{MARKERS}{query}", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_markers_round_trip_between_apps(client, grief, app_client, clock):
    robin = await token_of(client, app_client, "robin")
    assert await read(client, robin) == {}, "nothing saved yet"
    saved = await client.post(MARKERS, data={"home[last_read_id]": "113000000000000001",
                                             "notifications[last_read_id]": "42"}, headers=robin)
    assert saved.status == 200, await saved.text()
    body = await saved.json()
    assert body["home"]["last_read_id"] == "113000000000000001" and body["notifications"]["last_read_id"] == "42"
    assert body["home"]["version"] == body["notifications"]["version"] == 0
    assert body["home"]["updated_at"].endswith("Z")
    other_app = await register(client, name="Another app")
    elsewhere = await token_of(client, other_app, "robin")
    assert await read(client, elsewhere) == body, "another app of the same member starts where the first stopped"
    assert await read(client, elsewhere, "?timeline[]=notifications") == {"notifications": body["notifications"]}
    assert await read(client, elsewhere, "") == {}, "no timeline named: none, as Mastodon answers"
    clock.advance(60)
    moved = await client.post(MARKERS, json={"notifications": {"last_read_id": 57}}, headers=elsewhere)
    assert (await moved.json())["notifications"]["last_read_id"] == "57"
    again = await client.post(MARKERS, json={"notifications": {"last_read_id": "57"}}, headers=elsewhere)
    after = await read(client, robin)
    assert (await again.json())["notifications"]["version"] == after["notifications"]["version"] == 1
    assert after["notifications"]["updated_at"] > body["notifications"]["updated_at"]
    assert after["home"] == body["home"], "a timeline not sent keeps its marker"


async def test_each_member_has_their_own_markers_and_bad_positions_are_refused(client, grief, app_client, settings):
    await person(settings, "sam")
    robin = await token_of(client, app_client, "robin")
    sam = await token_of(client, app_client, "sam")
    await client.post(MARKERS, data={"home[last_read_id]": "7"}, headers=robin)
    assert await read(client, sam) == {}
    for bad in ("seven", "-1", "99999999999999999999", ""):
        refused = await client.post(MARKERS, data={"home[last_read_id]": bad}, headers=sam)
        assert refused.status == 422 and "home[last_read_id]" in (await refused.json())["error"], bad
    assert await read(client, sam) == {}
    nothing = await client.post(MARKERS, data={"list[last_read_id]": "5"}, headers=sam)
    assert (nothing.status, await nothing.json()) == (200, {})


async def test_markers_need_their_scopes(client, grief, app_client):
    read_only = await token_of(client, app_client, "robin", scope="read:statuses")
    assert (await client.get(f"{MARKERS}{BOTH}", headers=read_only)).status == 200
    refused = await client.post(MARKERS, data={"home[last_read_id]": "7"}, headers=read_only)
    assert (refused.status, await refused.json()) == (403, {"error": "This action is outside the authorized scopes"})
    notifications_only = await token_of(client, app_client, "robin", scope="read:notifications")
    assert (await client.get(f"{MARKERS}{BOTH}", headers=notifications_only)).status == 403
    assert (await client.get(f"{MARKERS}{BOTH}")).status == 401
