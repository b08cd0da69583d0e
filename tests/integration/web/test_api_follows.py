"""Mastodon client API follows: following a circle is joining it (or asking to) exactly as its page's Join button
does, with the same refusals (ground rules to accept on the page, bans); unfollowing leaves; people are not
followed; a relationship never tells whether a hidden account exists."""

from __future__ import annotations

import pytest

from circlefed.protocol import mastodon_ids as ids
from circlefed.services.moderation import ban_member
from circlefed.storage.models import Account, Actor, Circle, Membership, MembershipState, Visibility
from tests.factories import remote_circle, site_of
from tests.integration.web.api_support import answer_of, token_of
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import circle, page, person
from tests.integration.web.oauth_flow import register

pytestmark = pytest.mark.storage
ACCOUNTS = "/api/v1/accounts"
MISSING = f"{ACCOUNTS}/{ids.CIRCLE_BASE + 999_999}"
NOT_FOUND = (404, b'{"error": "Record not found"}')


@pytest.fixture
async def app_client(client):
    return await register(client, scopes="read write follow")


def account_of(made: Circle) -> str:
    return f"{ACCOUNTS}/{ids.circle_account_id(made.id)}"


async def post_json(client, path: str, headers) -> tuple[int, dict]:
    response = await client.post(path, headers=headers)
    return response.status, await response.json()


async def relationships(client, headers, *account_ids: str) -> list[dict]:
    query = "&".join(f"id[]={account_id}" for account_id in account_ids)
    response = await client.get(f"{ACCOUNTS}/relationships?{query}", headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def page_as(client, name: str, path: str) -> str:
    client.session.cookie_jar.clear()
    await sign_in(client, name)
    text = await page(client, path)
    client.session.cookie_jar.clear()
    return text


async def test_following_an_open_circle_joins_it_and_unfollowing_leaves(client, settings, grief, app_client):
    await person(settings, "sam")
    sam = await token_of(client, app_client, "sam", scope="read follow")
    status, joined = await post_json(client, f"{account_of(grief)}/follow", sam)
    assert status == 200, joined
    assert (joined["id"], joined["following"], joined["requested"]) == (ids.circle_account_id(grief.id), True, False)
    assert "You are a member of this circle." in await page_as(client, "sam", "/c/grief")
    (listed,) = await relationships(client, sam, joined["id"])
    assert listed == joined
    assert await post_json(client, f"{account_of(grief)}/follow", sam) == (200, joined), "following again: no change"
    status, left = await post_json(client, f"{account_of(grief)}/unfollow", sam)
    assert (status, left["following"], left["requested"]) == (200, False, False)
    text = await page_as(client, "sam", "/c/grief")
    assert "You are a member" not in text and ">Join</button>" in text


async def test_a_circle_that_approves_joins_answers_requested_and_its_facilitators_see_the_request(
    client, settings, app_client
):
    fran = await person(settings, "fran")
    await person(settings, "sam")
    careful = await circle(settings, "careful", facilitator=fran)
    careful.requires_approval = True
    await careful.save()
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    sam = await token_of(client, app_client, "sam", scope="read write:follows")
    for made in (careful, quiet):
        assert (await client.get(account_of(made))).status == 200
        assert (await (await client.get(account_of(made))).json())["locked"] is True
        status, asked = await post_json(client, f"{account_of(made)}/follow", sam)
        assert (status, asked["following"], asked["requested"]) == (200, False, True), asked
        assert "sam" in await page_as(client, "fran", f"/c/{made.slug}/facilitate/requests")
    assert [r["requested"] for r in await relationships(client, sam, account_of(careful).rsplit("/", 1)[1])] == [True]
    status, withdrawn = await post_json(client, f"{account_of(careful)}/unfollow", sam)
    assert (status, withdrawn["requested"]) == (200, False)
    assert "No one is waiting to join right now." in await page_as(client, "fran", "/c/careful/facilitate/requests")


async def test_ground_rules_are_accepted_on_the_circles_page_not_skipped_by_an_app(client, settings, app_client):
    fran = await person(settings, "fran")
    await person(settings, "sam")
    await circle(settings, "ruled", facilitator=fran, rules="Be kind.")
    ruled = await Circle.get(slug="ruled")
    sam = await token_of(client, app_client, "sam")
    status, body = await post_json(client, f"{account_of(ruled)}/follow", sam)
    assert status == 422
    assert "ground rules" in body["error"] and body["error"].endswith(f"{settings.instance.base_url}/c/ruled")
    assert not await Membership.exists(circle_id=ruled.id, actor__local_name="sam")


async def test_a_banned_member_cannot_come_back_by_following(client, settings, clock, grief, app_client):
    fran, robin_actor = await Actor.get(local_name="fran"), await Actor.get(local_name="robin")
    robin = await token_of(client, app_client, "robin")
    await ban_member(site_of(settings), grief, robin_actor, fran, reason="", reason_shared=False, expires_at=None,
                     remove_data=False, now=clock.now())
    (before,) = await relationships(client, robin, ids.circle_account_id(grief.id))
    assert (before["following"], before["requested"]) == (False, False)
    status, body = await post_json(client, f"{account_of(grief)}/follow", robin)
    assert (status, body) == (403, {"error": "banned from this circle"})
    assert (await Membership.get(circle_id=grief.id, actor_id=robin_actor.id)).state is MembershipState.BANNED
    assert "A facilitator has banned you" in await page_as(client, "robin", "/c/grief")


async def test_people_are_not_followed_and_hidden_accounts_answer_as_missing(client, settings, grief, app_client):
    await person(settings, "sam")
    hidden = await remote_circle("hush", visibility=Visibility.MEMBERS)
    sam = await token_of(client, app_client, "sam")
    robin_id = str((await Account.get(username="robin")).id)
    status, body = await post_json(client, f"{ACCOUNTS}/{robin_id}/follow", sam)
    assert (status, body) == (422, {"error": "Following people is not supported here; follow a circle to join it"})
    for action in ("follow", "unfollow"):
        got = await answer_of(client, "POST", f"{account_of(hidden)}/{action}", sam)
        assert got == await answer_of(client, "POST", f"{MISSING}/{action}", sam) == NOT_FOUND
    missing_id = MISSING.rsplit("/", 1)[1]
    hidden_id, shown = await relationships(client, sam, ids.circle_account_id(hidden.id), missing_id)
    assert {**hidden_id, "id": missing_id} == shown and not any(v for k, v in shown.items() if k not in ("id", "note"))
    assert (await client.get("/api/v1/follow_requests", headers=sam)).status == 200
    assert await (await client.get("/api/v1/follow_requests", headers=sam)).json() == []
    for suffix in ("followers", "following"):
        assert await (await client.get(f"{account_of(grief)}/{suffix}")).json() == []
        got = await answer_of(client, "GET", f"{account_of(hidden)}/{suffix}", sam)
        assert got == await answer_of(client, "GET", f"{MISSING}/{suffix}", sam) == NOT_FOUND
    read_only = await token_of(client, app_client, "sam", scope="read")
    status, body = await post_json(client, f"{account_of(grief)}/follow", read_only)
    assert (status, body) == (403, {"error": "This action is outside the authorized scopes"})
    assert not await Membership.exists(circle_id=grief.id, actor__local_name="sam")
