"""What apps load at sign-in answers (preferences; filters, lists, announcements and the like as empty lists), and
what circlefed does not do (media, filters, lists) is refused with a message that says so."""

from __future__ import annotations

import pytest

from circlefed.web.api.empty_answers import EMPTY_LISTS, NOT_MADE
from tests.integration.web.api_support import token_of
from tests.integration.web.oauth_flow import register

pytestmark = pytest.mark.storage


@pytest.fixture
async def robin(client, member):
    return await token_of(client, await register(client), "robin")


async def test_preferences_say_posts_are_public_unless_their_circle_is_not(client, robin):
    response = await client.get("/api/v1/preferences", headers=robin)
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    assert body["posting:default:visibility"] == "public" and body["reading:expand:spoilers"] is False
    assert (await client.get("/api/v1/preferences")).status == 401


async def test_lists_apps_load_at_sign_in_are_empty(client, robin):
    for path, scope in EMPTY_LISTS.items():
        response = await client.get(path, headers=robin)
        assert (response.status, await response.json()) == (200, []), path
        if scope:
            assert (await client.get(path)).status == 401, f"{path} needs a token"


async def test_what_is_not_made_here_is_refused_with_its_reason(client, robin):
    for path, message in NOT_MADE.items():
        response = await client.post(path, json={"title": "mine"}, headers=robin)
        assert (response.status, await response.json()) == (422, {"error": message}), path
    for path in ("/api/v1/media", "/api/v2/media"):
        response = await client.post(path, data={"description": "a photo"}, headers=robin)
        assert response.status == 422 and "text only" in (await response.json())["error"]
    assert (await client.post("/api/v1/lists", json={"title": "x"})).status == 401


async def test_every_api_path_answers_with_a_trailing_slash_too(client, robin):
    assert (await client.get("/api/v1/preferences/", headers=robin)).status == 200
    assert (await client.get("/api/v1/instance/")).status == 200
    refused = await client.post("/api/v1/reports/", json={})
    assert (refused.status, await refused.json()) == (401, {"error": "The access token is invalid"})
