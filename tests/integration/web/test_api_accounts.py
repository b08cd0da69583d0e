"""Mastodon client API accounts: a circle is a group account seen by who may see its page, its statuses by who
may read it; a member's account shows what public circles show of them; a name in a circle and a remote author
are seen only through what the reader may read; anything else answers exactly as a missing account."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import aiohttp
import pytest

from circlefed.domain.threads import start_thread
from circlefed.protocol import mastodon_ids as ids
from circlefed.services.moderation import pin_thread
from circlefed.storage.models import Account, Actor, Circle, Membership, Thread, Visibility
from circlefed.web.api.accounts import NO_PICTURES
from tests.factories import approved_member, remote_person, site_of
from tests.integration.web.api_support import STATUSES, answer_of, post_status, token_of
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import circle, page, person, thread
from tests.integration.web.oauth_flow import register
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage
ACCOUNTS = "/api/v1/accounts"
MISSING_CIRCLE = f"{ACCOUNTS}/{ids.CIRCLE_BASE + 999_999}"
MISSING_NAME = f"{ACCOUNTS}/{ids.PSEUDONYM_BASE + 999_999}"
MISSING_REMOTE = f"{ACCOUNTS}/{ids.REMOTE_BASE + 999_999}"
NOT_FOUND = (404, b'{"error": "Record not found"}')


@pytest.fixture
async def app_client(client):
    return await register(client)


def circle_path(made: Circle) -> str:
    return f"{ACCOUNTS}/{ids.circle_account_id(made.id)}"


def titles(statuses: list[dict]) -> list[str]:
    return [re.match(r"<p><strong>(.*?)</strong></p>", status["content"]).group(1) for status in statuses]


async def json_of(client, path: str, headers=None):
    response = await client.get(path, headers=headers or {})
    assert response.status == 200, (path, response.status, await response.text())
    return await response.json(), response.headers


async def test_a_members_circle_shows_its_page_to_anyone_and_its_statuses_to_members_only(
    client, settings, member, app_client
):
    fran = await person(settings, "fran")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    await approved_member(quiet, await member.actor)
    await person(settings, "sam")
    robin = await token_of(client, app_client, "robin")
    _, posted = await post_status(client, robin, status="@quiet Private worry\nOnly for us.")
    sam = await token_of(client, app_client, "sam")
    # Its page is anyone's to see (name, description, a join button): so is its group account, and no more.
    await page(client, "/c/quiet")
    shown, _ = await json_of(client, circle_path(quiet))
    assert (shown["group"], shown["display_name"], shown["note"]) == (True, "Quiet circle", "<p>About quiet.</p>")
    assert (shown["locked"], shown["followers_count"], shown["statuses_count"]) == (True, 0, 0)
    assert shown["url"].endswith("/c/quiet") and shown["acct"] == "quiet"
    assert (await json_of(client, circle_path(quiet), sam))[0] == shown
    for headers in (sam, None):
        assert await answer_of(client, "GET", f"{circle_path(quiet)}/statuses", headers) == await answer_of(
            client, "GET", f"{MISSING_CIRCLE}/statuses", headers) == NOT_FOUND
    listed, _ = await json_of(client, f"{circle_path(quiet)}/statuses", robin)
    assert [status["id"] for status in listed] == [posted["id"]]
    assert (await json_of(client, circle_path(quiet), robin))[0]["statuses_count"] == 1
    # robin's name in the circle is an account of its own: members read it, nobody else learns it exists.
    name_id = posted["account"]["id"]
    assert int(name_id) - ids.PSEUDONYM_BASE == (await Membership.get(circle_id=quiet.id, actor__local_name="robin")).id
    facilitator = await token_of(client, app_client, "fran")
    seen, _ = await json_of(client, f"{ACCOUNTS}/{name_id}", facilitator)
    assert seen == posted["account"] and "robin" not in json.dumps(seen)
    written, _ = await json_of(client, f"{ACCOUNTS}/{name_id}/statuses", facilitator)
    assert [status["id"] for status in written] == [posted["id"]]
    for headers in (sam, None):
        for suffix in ("", "/statuses", "/followers"):
            got = await answer_of(client, "GET", f"{ACCOUNTS}/{name_id}{suffix}", headers)
            assert got == await answer_of(client, "GET", f"{MISSING_NAME}{suffix}", headers) == NOT_FOUND


async def test_a_local_circle_is_nobodys_account_outside_the_instance(client, settings, member, app_client):
    fran = await person(settings, "fran")
    here = await circle(settings, "here", visibility=Visibility.LOCAL, facilitator=fran)
    await person(settings, "sam")
    sam = await token_of(client, app_client, "sam")
    for suffix in ("", "/statuses", "/following"):
        got = await answer_of(client, "GET", f"{circle_path(here)}{suffix}")
        assert got == await answer_of(client, "GET", f"{MISSING_CIRCLE}{suffix}") == NOT_FOUND
    assert await answer_of(client, "GET", f"{ACCOUNTS}/not-a-number") == NOT_FOUND
    assert await answer_of(client, "GET", f"{ACCOUNTS}/lookup?acct=here") == await answer_of(
        client, "GET", f"{ACCOUNTS}/lookup?acct=nosuchname") == NOT_FOUND
    # A member of this instance sees its page, so its account; reading it is for its members.
    assert (await json_of(client, circle_path(here), sam))[0]["display_name"] == "Here circle"
    assert (await json_of(client, f"{ACCOUNTS}/lookup?acct=here", sam))[0]["id"] == ids.circle_account_id(here.id)
    assert await answer_of(client, "GET", f"{circle_path(here)}/statuses", sam) == NOT_FOUND


async def test_a_circles_statuses_are_its_threads_newest_first_paged_with_links(
    client, settings, clock, grief, app_client
):
    fran = await Actor.get(local_name="fran")
    made = []
    for title in ("First", "Second", "Third"):
        made.append(await thread(settings, clock, grief, fran, title))
        clock.advance(timedelta(minutes=1))
    await pin_thread(site_of(settings), made[0], fran, pinned=True, now=clock.now())
    listed, headers = await json_of(client, f"{circle_path(grief)}/statuses?limit=2")
    assert titles(listed) == ["Third", "Second"]
    assert 'rel="next"' in headers["Link"] and 'rel="prev"' in headers["Link"]
    next_url = headers["Link"].split(">;")[0].lstrip("<")
    older, headers = await json_of(client, next_url.split("8080", 1)[1])
    assert titles(older) == ["First"]
    assert 'rel="next"' not in headers.get("Link", "")
    newer, _ = await json_of(client, f"{circle_path(grief)}/statuses?min_id={listed[1]['id']}")
    assert [status["id"] for status in newer] == [listed[0]["id"]]
    pinned, _ = await json_of(client, f"{circle_path(grief)}/statuses?pinned=true")
    assert titles(pinned) == ["First"]
    assert (await json_of(client, f"{circle_path(grief)}/statuses?only_media=true"))[0] == []
    status, body = await answer_of(client, "GET", f"{circle_path(grief)}/statuses?max_id=abc")
    assert status == 422 and b"max_id" in body


async def test_a_members_account_shows_what_public_circles_show_of_them(client, settings, grief, app_client):
    fran = await Actor.get(local_name="fran")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    await approved_member(quiet, await Actor.get(local_name="robin"))
    await person(settings, "sam")
    robin = await token_of(client, app_client, "robin")
    _, public = await post_status(client, robin, status="@grief Out loud\nAnyone may read this.")
    _, private = await post_status(client, robin, status="@quiet Between us\nOnly the circle.")
    _, reply = await post_status(client, robin, status="Me again.", in_reply_to_id=public["id"])
    robin_id = str((await Account.get(username="robin")).id)
    sam = await token_of(client, app_client, "sam")
    for headers in (sam, None):
        shown, _ = await json_of(client, f"{ACCOUNTS}/{robin_id}", headers)
        assert (shown["username"], shown["group"], shown["following_count"], shown["statuses_count"]) == (
            "robin", False, 0, 0)
        assert "source" not in shown
        listed, _ = await json_of(client, f"{ACCOUNTS}/{robin_id}/statuses", headers)
        assert [status["id"] for status in listed] == [reply["id"], public["id"]]
        no_replies, _ = await json_of(client, f"{ACCOUNTS}/{robin_id}/statuses?exclude_replies=true", headers)
        assert [status["id"] for status in no_replies] == [public["id"]]
    own, _ = await json_of(client, f"{ACCOUNTS}/{robin_id}/statuses", robin)
    assert {status["id"] for status in own} == {public["id"], private["id"], reply["id"]}
    mine, _ = await json_of(client, f"{ACCOUNTS}/{robin_id}", robin)
    assert (mine["following_count"], mine["statuses_count"]) == (1, 2), "public circles only"
    # A name robin chooses in the public circle is shown in its place there, and leads nowhere near robin.
    membership = await Membership.get(circle_id=grief.id, actor__local_name="robin")
    await sign_in(client, "robin")
    field = f"pseudonym-{membership.id}"
    assert (await submit(client, "/account", "Save name for Grief circle", {field: "Winter Wren"})).status == 303
    client.session.cookie_jar.clear()
    renamed, _ = await json_of(client, f"{STATUSES}/{public['id']}")
    assert renamed["account"]["display_name"] == "Winter Wren" and renamed["account"]["id"] != robin_id
    assert (await json_of(client, f"{ACCOUNTS}/{robin_id}/statuses"))[0] == []
    written, _ = await json_of(client, f"{ACCOUNTS}/{renamed['account']['id']}/statuses")
    assert {status["id"] for status in written} == {public["id"], reply["id"]}
    looked_up, _ = await json_of(client, f"{ACCOUNTS}/lookup?acct=@robin@{settings.instance.domain}")
    assert looked_up["id"] == robin_id
    name_in_quiet = await Actor.filter(local_name__startswith="m_").first()
    missing = await answer_of(client, "GET", f"{ACCOUNTS}/lookup?acct=nosuchname")
    if name_in_quiet is not None:
        assert await answer_of(client, "GET", f"{ACCOUNTS}/lookup?acct={name_in_quiet.local_name}") == missing
    assert missing == NOT_FOUND


async def test_a_remote_author_is_seen_through_what_the_reader_may_read(client, settings, clock, grief, app_client):
    fran = await Actor.get(local_name="fran")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    kim = await approved_member(grief, await remote_person("kim", "social.example"))
    lee = await approved_member(quiet, await remote_person("lee", "social.example"))
    site = site_of(settings)
    out_loud = (await start_thread(site, grief, kim, title="Hello from afar", source="Hi.", now=clock.now())).thread
    await start_thread(site, quiet, lee, title="Quiet words", source="Hush.", now=clock.now())
    shown, _ = await json_of(client, f"{ACCOUNTS}/{ids.remote_account_id(kim.id)}")
    assert (shown["acct"], shown["display_name"]) == ("kim@social.example", "kim · social.example")
    listed, _ = await json_of(client, f"{ACCOUNTS}/{ids.remote_account_id(kim.id)}/statuses")
    assert [status["uri"] for status in listed] == [out_loud.uri]
    assert (await json_of(client, f"{ACCOUNTS}/lookup?acct=kim@social.example"))[0]["id"] == shown["id"]
    robin = await token_of(client, app_client, "robin")
    for headers in (robin, None):
        for suffix in ("", "/statuses"):
            got = await answer_of(client, "GET", f"{ACCOUNTS}/{ids.remote_account_id(lee.id)}{suffix}", headers)
            assert got == await answer_of(client, "GET", f"{MISSING_REMOTE}{suffix}", headers) == NOT_FOUND
        assert await answer_of(client, "GET", f"{ACCOUNTS}/lookup?acct=lee@social.example", headers) == NOT_FOUND
    assert not await Thread.exists(title="Quiet words", circle_id=grief.id)


async def test_the_profile_name_set_from_an_app_is_the_one_its_page_shows(client, member, app_client):
    robin = await token_of(client, app_client, "robin")
    update = f"{ACCOUNTS}/update_credentials"
    # Apps send the whole profile form: values as the account already shows them change nothing.
    response = await client.patch(update, headers=robin, data={
        "display_name": "Robin R.", "note": "", "locked": "false", "bot": "false", "fields_attributes[0][name]": ""})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert (body["display_name"], body["username"], body["source"]["note"]) == ("Robin R.", "robin", "")
    assert "Robin R." in await page(client, "/u/robin")
    assert (await json_of(client, f"{ACCOUNTS}/verify_credentials", robin))[0]["display_name"] == "Robin R."
    # A field that cannot be kept refuses the whole change, naming each one.
    response = await client.patch(update, headers=robin, json={
        "display_name": "Someone Else", "note": "About me", "locked": True})
    assert response.status == 422
    error = (await response.json())["error"]
    assert "profile note" in error and "locked cannot be changed" in error
    assert "Someone Else" not in await page(client, "/u/robin")
    upload = aiohttp.FormData()
    upload.add_field("avatar", b"\x89PNG\r\n", filename="me.png", content_type="image/png")
    response = await client.patch(update, headers=robin, data=upload)
    assert (response.status, (await response.json())["error"]) == (422, NO_PICTURES)
    response = await client.patch(update, headers=robin, json={
        "source": {"privacy": "private", "language": ""}, "fields_attributes": [{"name": "Site", "value": "x.y"}]})
    error = (await response.json())["error"]
    assert response.status == 422 and "source[privacy] cannot" in error and "fields cannot" in error
    response = await client.patch(update, headers=robin, data={"display_name": "R"})
    assert response.status == 422 and "2 to 40" in (await response.json())["error"]
    response = await client.patch(update, headers=robin, data={"locked": "maybe"})
    assert (response.status, await response.json()) == (422, {"error": "locked must be true or false"})
    response = await client.patch(update, headers=robin, json={"display_name": ""})
    assert (await response.json())["display_name"] == "robin", "an empty name goes back to the username"
    read_only = await token_of(client, app_client, "robin", scope="read")
    assert (await client.patch(update, headers=read_only, data={"display_name": "X Y"})).status == 403
    assert (await client.patch(update, data={"display_name": "X Y"})).status == 401
    assert "X Y" not in await page(client, "/u/robin")
