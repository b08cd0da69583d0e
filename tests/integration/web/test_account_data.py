"""A member's data: the JSON export of what they wrote, per-circle names, and account deletion that federates."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import aiohttp
import pytest

from circlefed.domain import threads
from circlefed.domain.account_settings import set_circle_pseudonym
from circlefed.domain.circles import create_circle
from circlefed.domain.memberships import approve_membership, leave_circle, request_join
from circlefed.domain.pseudonyms import pseudonym_name
from circlefed.domain.replies import reply
from circlefed.storage.models import (
    Account,
    Actor,
    CircleName,
    Membership,
    MembershipState,
    Role,
    Thread,
    Visibility,
)
from circlefed.web.keys import SITE
from tests.factories import PASSWORD, member_account, site_of
from tests.integration.federation.circles import act, circle, member, settle, start_quiet
from tests.integration.federation.conftest import http, remote, start_instance  # noqa: F401
from tests.integration.federation.fixtures import deliver, ids_of, payload
from tests.integration.web.conftest import HTML, post_form, sign_in
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage


async def _member_with_posts(settings, clock, member):
    site = site_of(settings)
    fran = await Actor.get(local_name="robin")
    grief = await create_circle(site, "grief", "Grief circle", facilitator=fran)
    started = await threads.start_thread(site, grief, fran, title="Winter", source="It is *hard*.", now=clock.now())
    await reply(site, started.thread, fran, source="Thank you all.", content_warning="loss", now=clock.now())
    return grief, started.thread


async def test_export_is_a_json_attachment_with_threads_replies_and_memberships(client, settings, clock, member):
    _, thread = await _member_with_posts(settings, clock, member)
    await sign_in(client)
    response = await client.get("/account/export")
    assert response.status == 200 and response.content_type == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="circlefed-robin-')
    data = json.loads(await response.read())
    assert data["account"]["username"] == "robin"
    assert [(t["title"], t["source"], t["circle"]) for t in data["threads"]] == [("Winter", "It is *hard*.", "grief")]
    assert data["threads"][0]["uri"] == thread.uri and data["threads"][0]["published_at"]
    [answer] = data["replies"]
    assert (answer["source"], answer["content_warning"], answer["thread"]) == ("Thank you all.", "loss", thread.uri)
    assert [(m["circle"]["slug"], m["role"], m["state"]) for m in data["memberships"]] == [
        ("grief", "facilitator", "approved")
    ]
    assert "password" not in json.dumps(data)


async def test_export_needs_sign_in(client):
    response = await client.get("/account/export", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login")


async def test_a_member_chooses_a_name_for_one_circle_and_it_must_be_unique_there(client, settings, clock, member):
    grief, _ = await _member_with_posts(settings, clock, member)
    membership = await Membership.get(circle=grief, actor_id=member.actor_id)
    await sign_in(client)
    page = await (await client.get("/account", headers=HTML)).text()
    assert "Name in Grief circle" in page
    field = f"pseudonym-{membership.id}"
    saved = await submit(client, "/account", "Save name for Grief circle", {field: "  Winter   Robin "})
    assert saved.status == 303
    assert (await Membership.get(id=membership.id)).pseudonym == "Winter Robin"
    assert "you are now shown as “Winter Robin”" in await (await client.get("/account", headers=HTML)).text()
    exported = json.loads(await (await client.get("/account/export")).read())
    assert exported["names_chosen"] == [{"circle": "grief", "name": "Winter Robin"}]
    other = await _second_member_in(settings, grief, "Quiet Owl", clock)
    taken = await submit(client, "/account", "Save name for Grief circle", {field: "quiet owl"})
    assert taken.status == 409
    text = await taken.text()
    assert f'id="{field}-error"' in text and "already uses that name" in text
    assert 'value="quiet owl"' in text, "what the member typed is kept"
    foreign = await post_form(
        client, "/account/pseudonym", {"membership": other.id, f"pseudonym-{other.id}": "Hijack"}, page="/account"
    )
    assert foreign.status == 404
    assert (await Membership.get(id=other.id)).pseudonym == "Quiet Owl"


async def _second_member_in(settings, grief, pseudonym, clock) -> Membership:

    kim = await member_account(site_of(settings), "kim")
    await request_join(grief, await kim.actor, now=clock.now())
    row = await Membership.get(circle=grief, actor_id=kim.actor_id)
    row.pseudonym = pseudonym
    await row.save()
    return row


async def test_deletion_needs_the_password_and_the_confirmation(client, member):
    await sign_in(client)
    refused = await post_form(client, "/account/delete", {"password": "wrong", "confirm": "on"}, page="/account")
    assert refused.status == 400 and "password is not right" in await refused.text()
    unconfirmed = await post_form(client, "/account/delete", {"password": PASSWORD}, page="/account")
    assert unconfirmed.status == 400 and "Tick the box" in await unconfirmed.text()
    assert await Account.exists(username="robin")


async def test_the_last_facilitator_of_a_circle_is_asked_to_hand_over_first(client, settings, clock, member):
    await _member_with_posts(settings, clock, member)
    await sign_in(client)
    refused = await post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "on"}, page="/account")
    assert refused.status == 409 and "only facilitator" in await refused.text()
    assert await Account.exists(username="robin")


async def test_deleting_the_account_tombstones_posts_and_federates_a_delete_of_the_person(
    start_instance,  # noqa: F811
    remote,  # noqa: F811
    http,  # noqa: F811
):
    a = await start_quiet(start_instance)
    fran, robin = await member(a, "fran"), await member(a, "robin")
    grief = await circle(a, "grief", fran)
    now = datetime.now(UTC)
    await act(a, request_join(grief, robin, now=now))
    with a.db():
        joined = await Membership.get(circle=grief, actor_id=robin.id)
        await set_circle_pseudonym(await Account.get(actor_id=robin.id), joined.id, "Winter Robin")
    lemmy = remote.add_actor("lemmy_user")
    group_uri = f"{a.base_url}/c/grief"
    follow = payload("lemmy_follow_1", **ids_of(remote, lemmy, group_uri, a.domain))
    await deliver(http, lemmy, f"{group_uri}/inbox", follow)
    await settle(a)
    started = await act(a, threads.start_thread(a.app[SITE], grief, robin, title="Hello", source="Hi.", now=now))
    await settle(a)
    assert any(item["type"] == "Announce" for item in remote.received)

    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=a.base_url, cookie_jar=jar) as browser:
        await sign_in(browser, "robin", PASSWORD)
        gone = await post_form(
            browser, "/account/delete", {"password": PASSWORD, "confirm": "on"}, page="/account"
        )
        assert gone.status == 303
        assert (await browser.get("/account", allow_redirects=False)).status == 303
    await settle(a)

    deletes = [item for item in remote.received if item["type"] == "Delete" and item["object"] == robin.uri]
    assert len(deletes) == 1 and deletes[0]["actor"] == robin.uri
    announced = [item["object"] for item in remote.received if item["type"] == "Announce"]
    assert any(
        inner.get("type") == "Delete" and inner["object"]["id"] == started.thread.uri
        for inner in announced
        if isinstance(inner, dict)
    )
    with a.db():
        assert not await Account.exists(username="robin")
        assert not await CircleName.exists(actor_id=robin.id), "the names they chose go with the account"
        thread = await Thread.get(id=started.thread.id)
        assert thread.deleted_at is not None and thread.source == "" and thread.title == ""
        assert (await Actor.get(id=robin.id)).deleted_at is not None
        assert not await Membership.exists(actor_id=robin.id)
        assert await Membership.exists(actor_id=fran.id, role=Role.FACILITATOR, state=MembershipState.APPROVED)


async def test_deleting_the_account_blanks_the_pseudonym_of_a_circle_left_before(
    start_instance,  # noqa: F811
):
    # SPEC: issue 14 (names): erasure reaches every name a member appeared as, not only those of circles they are in
    a = await start_quiet(start_instance)
    fran, robin = await member(a, "fran"), await member(a, "robin")
    quiet = await circle(a, "quiet", fran, visibility=Visibility.MEMBERS)
    now = datetime.now(UTC)
    await act(a, request_join(quiet, robin, now=now))
    with a.db():
        await act(a, approve_membership(quiet, await Actor.get(id=robin.id), by=fran))
        joined = await Membership.get(circle=quiet, actor_id=robin.id)
        await set_circle_pseudonym(await Account.get(actor_id=robin.id), joined.id, "Winter Robin")
    await act(a, threads.start_thread(a.app[SITE], quiet, robin, title="Hello", source="Hi.", now=now))
    await settle(a)
    with a.db():
        pseudonym = await Actor.get(local_name=await pseudonym_name(quiet, robin))
        assert pseudonym.display_name == "Winter Robin"
    await act(a, leave_circle(quiet, robin))
    async with aiohttp.ClientSession(base_url=a.base_url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        await sign_in(browser, "robin", PASSWORD)
        gone = await post_form(browser, "/account/delete", {"password": PASSWORD, "confirm": "on"}, page="/account")
        assert gone.status == 303
    with a.db():
        erased = await Actor.get(id=pseudonym.id)
    assert (erased.display_name, erased.deleted_at is not None) == ("", True)
