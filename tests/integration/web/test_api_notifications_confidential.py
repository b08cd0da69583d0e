"""Notifications through time: each is checked against the read rule when it is read, so that a member who can
no longer read a circle (banned, left, the circle closed after they left, the post deleted or held) is shown
nothing of it, exactly as if there had never been anything; facilitators are told of join requests and reports
while these wait for them, in the names the circle shows."""

from __future__ import annotations

import json

import pytest

from circlefed.services import circle_settings, decisions, membership, moderation
from circlefed.storage.models import (
    Actor,
    ContentRule,
    ContentRuleAction,
    Notification,
    NotificationKind,
    Post,
    Role,
    Visibility,
)
from tests.factories import approved_member, site_of
from tests.integration.web.api_support import answer_of, post_status, token_of
from tests.integration.web.member_world import circle, person
from tests.integration.web.oauth_flow import register

pytestmark = pytest.mark.storage
NOTIFICATIONS = "/api/v1/notifications"
NOT_FOUND = (404, b'{"error": "Record not found"}')
LEVELS = ("public", "members", "local")


@pytest.fixture
async def app_client(client):
    return await register(client)


async def listed(client, headers) -> list[dict]:
    response = await client.get(NOTIFICATIONS, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def told_of_a_reply(client, app_client, circle_slug: str) -> tuple[dict, dict, dict]:
    """robin starts a thread in the circle, ada replies; robin's headers, ada's, and robin's notification."""
    robin = await token_of(client, app_client, "robin")
    ada = await token_of(client, app_client, "ada")
    _, opening = await post_status(client, robin, status=f"@{circle_slug} Hard week\nIt was a hard week.")
    _, reply = await post_status(client, ada, status="I hear you.", in_reply_to_id=opening["id"])
    (told,) = await listed(client, robin)
    assert told["status"]["id"] == reply["id"] and "I hear you." in told["status"]["content"]
    return robin, ada, told


async def assert_gone(client, robin: dict, told: dict) -> None:
    assert await listed(client, robin) == []
    for method, path in (("GET", told["id"]), ("POST", f"{told['id']}/dismiss")):
        assert await answer_of(client, method, f"{NOTIFICATIONS}/{path}", robin) == NOT_FOUND
    assert await (await client.get(f"{NOTIFICATIONS}/unread_count", headers=robin)).json() == {"count": 0}


@pytest.fixture
async def quiet(settings, member):
    """A members-only circle: fran facilitates, robin and ada are members."""
    fran = await person(settings, "fran")
    made = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    await approved_member(made, await member.actor)
    await approved_member(made, await person(settings, "ada"))
    return made


async def test_a_ban_hides_what_robin_was_told_and_lifting_it_shows_it_again(client, settings, clock, quiet,
                                                                            app_client):
    robin, _, told = await told_of_a_reply(client, app_client, "quiet")
    fran, robin_actor = await Actor.get(local_name="fran"), await Actor.get(local_name="robin")
    site = site_of(settings)
    await moderation.ban_member(site, quiet, robin_actor, fran, reason="", reason_shared=False, expires_at=None,
                                remove_data=False, now=clock.now())
    await assert_gone(client, robin, told)
    await moderation.unban_member(site, quiet, robin_actor, fran, now=clock.now())
    assert [n["id"] for n in await listed(client, robin)] == [told["id"]]


async def test_leaving_a_members_circle_hides_its_notifications(client, settings, clock, quiet, app_client):
    robin, _, told = await told_of_a_reply(client, app_client, "quiet")
    await membership.leave_circle(site_of(settings), quiet, await Actor.get(local_name="robin"), now=clock.now())
    await assert_gone(client, robin, told)


async def test_a_circle_closed_after_robin_left_hides_what_she_was_told(client, settings, clock, grief, app_client):
    await approved_member(grief, await person(settings, "ada"))
    robin, _, told = await told_of_a_reply(client, app_client, "grief")
    site = site_of(settings)
    await membership.leave_circle(site, grief, await Actor.get(local_name="robin"), now=clock.now())
    assert [n["id"] for n in await listed(client, robin)] == [told["id"]], "public: anyone may still read it"
    await circle_settings.change_level(site, grief, "members", None, facilitator_choices=LEVELS, now=clock.now())
    await assert_gone(client, robin, told)


async def test_a_ban_from_a_public_circle_ends_its_notifications_too(client, settings, clock, grief, app_client):
    await approved_member(grief, await person(settings, "ada"))
    robin, _, told = await told_of_a_reply(client, app_client, "grief")
    await moderation.ban_member(
        site_of(settings), grief, await Actor.get(local_name="robin"), await Actor.get(local_name="fran"),
        reason="", reason_shared=False, expires_at=None, remove_data=False, now=clock.now(),
    )
    await assert_gone(client, robin, told)


async def test_a_held_reply_is_told_only_once_a_facilitator_lets_it_through(client, settings, clock, quiet,
                                                                            app_client):
    await ContentRule.create(pattern="hopeless", action=ContentRuleAction.HOLD)
    robin = await token_of(client, app_client, "robin")
    ada = await token_of(client, app_client, "ada")
    fran_headers = await token_of(client, app_client, "fran")
    _, opening = await post_status(client, robin, status="@quiet Nights\nLong.")
    _, held = await post_status(client, ada, status="It all feels hopeless.", in_reply_to_id=opening["id"])
    assert "circlefed_hold" in held
    assert await listed(client, robin) == [], "a held reply is its author's alone"
    assert await listed(client, fran_headers) == [], "held posts are told on the web page, not to apps"
    post = await Post.get(source="It all feels hopeless.")
    assert await Notification.filter(kind=NotificationKind.HELD_POST, post_id=post.id).count() == 1
    await decisions.approve_post(site_of(settings), post, await Actor.get(local_name="fran"), now=clock.now())
    (told,) = await listed(client, robin)
    assert (told["type"], told["status"]["id"]) == ("mention", held["id"])


async def test_facilitators_are_told_of_a_join_request_while_it_waits(client, settings, clock, quiet, app_client):
    sam = await person(settings, "sam")
    fran = await token_of(client, app_client, "fran")
    robin = await token_of(client, app_client, "robin")
    site = site_of(settings)
    await membership.join_circle(site, quiet, sam, rules_version=None, now=clock.now())
    (told,) = await listed(client, fran)
    assert told["type"] == "follow_request" and "status" not in told
    assert "sam" not in json.dumps(told["account"]), "a members-only circle shows its own name for them"
    assert await listed(client, robin) == [], "members who do not facilitate are not told"
    await membership.approve_join(site, quiet, sam, await Actor.get(local_name="fran"), now=clock.now())
    assert await listed(client, fran) == [], "answered: it waits no more"
    assert await Notification.exists(kind=NotificationKind.JOIN_APPROVED, account__actor_id=sam.id)
    assert await listed(client, await token_of(client, app_client, "sam")) == [], "join answers are for the page"


async def test_a_report_tells_the_other_facilitators_never_the_one_reported(client, settings, clock, quiet,
                                                                          app_client):
    robin_actor, ada_actor = await Actor.get(local_name="robin"), await Actor.get(local_name="ada")
    await quiet.memberships.filter(actor_id=robin_actor.id).update(role=Role.FACILITATOR)
    fran = await token_of(client, app_client, "fran")
    robin = await token_of(client, app_client, "robin")
    _, opening = await post_status(client, robin, status="@quiet Rules\nPlease be kind.")
    await decisions.file_report(
        site_of(settings), quiet, ada_actor, object_uris=[(await robin_actor.threads.all())[0].uri],
        category="spam", reported_actor=robin_actor, reason="It reads like an advert.", now=clock.now(),
    )
    assert await listed(client, robin) == [], "nobody is told of a report about themselves"
    (told,) = await listed(client, fran)
    report = told["report"]
    assert told["type"] == "admin.report" and "ada" not in json.dumps(told["account"])
    assert (report["category"], report["action_taken"]) == ("spam", False)
    assert report["comment"] == "It reads like an advert."
    assert report["status_ids"] == [opening["id"]] and "robin" not in json.dumps(report["target_account"])
