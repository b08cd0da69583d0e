"""Admin pages: who may open them, instance settings, accounts and invitations."""

from __future__ import annotations

import re

import pytest

from circlefed.app import create_app
from circlefed.domain.registration import register
from circlefed.storage.models import Account, DomainRule, InstancePolicy, Invite
from tests.factories import PASSWORD, member_account, site_of
from tests.integration.web.admin_support import (
    ADMIN_GET_PAGES,
    ADMIN_POSTS,
    admin_post,
    follow,
    signed_in_admin,
)
from tests.integration.web.conftest import HTML, post_form, sign_in

pytestmark = pytest.mark.storage


async def test_every_admin_page_sends_anonymous_visitors_to_the_login_page(client):
    for path in ADMIN_GET_PAGES:
        response = await client.get(path, headers=HTML, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"].startswith("/login?next=%2Fadmin"), path
    for path in ADMIN_POSTS:
        response = await post_form(client, path, {})  # a valid token from /login: the guard answers, not CSRF
        assert response.status == 303 and response.headers["Location"] == "/login", path


async def test_every_admin_page_and_form_is_refused_to_a_member_who_is_not_an_admin(client, member):
    await sign_in(client)
    for path in ADMIN_GET_PAGES:
        response = await client.get(path, headers=HTML, allow_redirects=False)
        assert response.status == 403, path
        assert "This page is for the admins of this instance." in await response.text()
    for path in ADMIN_POSTS:
        response = await post_form(client, path, {"domain": "evil.example", "action": "block"}, page="/account")
        assert response.status == 403, path
    assert not await Account.filter(is_admin=True).exists() and not await DomainRule.exists()


async def test_the_overview_counts_accounts_waiting_for_approval(client, settings, clock):
    await signed_in_admin(client, settings)
    await register(site_of(settings), "newcomer", PASSWORD, now=clock.now(), join_reason="I lost my dad")
    page = await (await client.get("/admin", headers=HTML)).text()
    assert re.search(r"<strong>1</strong> account is waiting for approval", page)
    assert page.count("<h1>") == 1 and 'href="/admin/settings"' in page


async def _save_settings(client, **changes):
    data = {"registration_mode": "approval", "circle_creators": "admins", "crisis_resources": ""}
    data |= {"instance_name": "", "instance_description": ""}
    return await admin_post(client, "/admin/settings", {**data, **changes})


async def test_changing_the_registration_mode_changes_what_the_join_page_offers(
    client, settings, aiohttp_client, clock
):
    await signed_in_admin(client, settings)
    visitor = await aiohttp_client(create_app(settings, clock=clock))  # a second browser
    page = await follow(client, await _save_settings(client, registration_mode="invite"))
    assert "Saved the instance settings." in page and 'value="invite" checked' in page
    invite_page = await visitor.get("/register", headers=HTML)
    assert invite_page.status == 200 and "with an invitation" in await invite_page.text()
    assert 'action="/register"' not in await invite_page.text()
    await follow(client, await _save_settings(client, registration_mode="closed"))
    closed = await visitor.get("/register", headers=HTML)
    assert closed.status == 403 and "not taking new members" in await closed.text()
    await follow(client, await _save_settings(client, registration_mode="open"))
    joined = await post_form(
        visitor, "/register", {"username": "sam", "password": PASSWORD, "password_again": PASSWORD}, page="/register"
    )
    assert joined.status == 303 and (await Account.get(username="sam")).is_approved


async def test_crisis_text_name_and_switches_are_saved_and_shown(client, settings):
    await signed_in_admin(client, settings)
    crisis = "Samaritans: call 116 123, any time.\nEmergency: 112"
    page = await follow(
        client,
        await _save_settings(
            client,
            crisis_resources=crisis,
            instance_name="Quiet Harbour",
            hold_first_posts="on",
            share_real_names="on",
        ),
    )
    assert "Samaritans: call 116 123, any time.\nEmergency: 112</textarea>" in page
    assert '<a class="brand" href="/">Quiet Harbour</a>' in page
    assert 'id="hold_first_posts" name="hold_first_posts" value="on" checked' in page
    row = await InstancePolicy.get()
    assert (row.crisis_resources, row.hold_first_posts, row.share_real_names) == (crisis, True, True)
    assert not row.forward_reports_to_author_instance and not row.members_circles_to_untrusted_software


async def test_the_instance_name_and_description_saved_by_the_admin_show_everywhere(
    client, settings, aiohttp_client, clock
):
    await signed_in_admin(client, settings)
    await follow(client, await _save_settings(
        client, instance_name="Quiet Harbour", instance_description="Peer support for carers in the valley."
    ))
    visitor = await aiohttp_client(create_app(settings, clock=clock))  # someone who is not signed in
    home = await (await visitor.get("/", headers=HTML)).text()
    assert "<title>Quiet Harbour</title>" in home and '<a class="brand" href="/">Quiet Harbour</a>' in home
    assert "<h1>Quiet Harbour</h1>" in home and "Peer support for carers in the valley." in home
    assert "circlefed" not in home.lower(), "the software's name is not the instance's"
    nodeinfo = await (await visitor.get("/nodeinfo/2.1")).json()
    assert nodeinfo["metadata"] == {
        "nodeName": "Quiet Harbour", "nodeDescription": "Peer support for carers in the valley."
    }
    actor = await (await visitor.get("/actor", headers={"Accept": "application/activity+json"})).json()
    assert actor["name"] == "Quiet Harbour"


async def test_a_bad_settings_form_is_shown_again_with_the_error_next_to_its_field(client, settings):
    await signed_in_admin(client, settings)
    response = await _save_settings(client, registration_mode="everyone", crisis_resources="keep me")
    page = await response.text()
    assert response.status == 400
    assert 'id="registration_mode-error"' in page and "keep me</textarea>" in page
    assert (await InstancePolicy.all().first()) is None or (await InstancePolicy.get()).crisis_resources == ""


async def test_an_admin_approves_or_declines_accounts_waiting_and_disables_others(
    client, settings, clock, aiohttp_client
):
    await signed_in_admin(client, settings)
    site = site_of(settings)
    waiting = await register(site, "newcomer", PASSWORD, now=clock.now(), join_reason="I lost my dad")
    other = await register(site, "spammer", PASSWORD, now=clock.now(), join_reason="buy now")
    page = await (await client.get("/admin/users", headers=HTML)).text()
    assert "I lost my dad" in page and "buy now" in page
    page = await follow(client, await admin_post(client, f"/admin/users/{waiting.id}/approve"))
    assert "Approved newcomer" in page and (await Account.get(id=waiting.id)).is_approved
    await follow(client, await admin_post(client, f"/admin/users/{other.id}/reject"))
    assert not await Account.exists(username="spammer")
    page = await follow(client, await admin_post(client, f"/admin/users/{waiting.id}/disable"))
    assert "Disabled newcomer" in page and (await Account.get(id=waiting.id)).is_disabled
    # The page that showed "Disable" now offers "Enable" for that account: its form is what the admin sends.
    enable_form = f'action="/admin/users/{waiting.id}/enable"'
    assert enable_form in page and f'action="/admin/users/{waiting.id}/disable"' not in page
    page = await follow(client, await admin_post(client, f"/admin/users/{waiting.id}/enable"))
    assert "Enabled newcomer: they can sign in again." in page and not (await Account.get(id=waiting.id)).is_disabled
    newcomer = await aiohttp_client(create_app(settings, clock=clock))
    await sign_in(newcomer, "newcomer", PASSWORD)  # answers 303: the password works again


async def test_an_admin_grants_admin_rights_but_cannot_remove_their_own(client, settings, member):
    admin = await signed_in_admin(client, settings)
    page = await follow(client, await admin_post(client, f"/admin/users/{member.id}/admin", {"admin": "on"}))
    assert "robin is now an admin" in page and (await Account.get(id=member.id)).is_admin
    page = await follow(client, await admin_post(client, f"/admin/users/{admin.id}/admin", {"admin": "off"}))
    assert "You cannot change the admin rights of your own account" in page
    assert (await Account.get(id=admin.id)).is_admin


async def test_the_account_list_is_searchable_and_paged(client, settings):
    await signed_in_admin(client, settings)
    site = site_of(settings)
    for n in range(26):
        await member_account(site, f"member{n:02d}")
    first = await (await client.get("/admin/users", headers=HTML)).text()
    assert first.count("<tr>") == 1 + 25 and 'rel="next"' in first
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = await (await client.get(next_url, headers=HTML)).text()
    assert second.count("<tr>") == 1 + 2 and 'rel="next"' not in second
    found = await (await client.get("/admin/users?q=ember07", headers=HTML)).text()
    assert "<td>member07</td>" in found and "<td>member08</td>" not in found


async def test_an_invitation_link_is_shown_once_and_lets_one_person_join(client, settings, aiohttp_client, clock):
    await signed_in_admin(client, settings)
    await _save_settings(client, registration_mode="invite")
    response = await admin_post(client, "/admin/invites", {"note": "for Kim", "days": "7"})
    page = await response.text()
    assert response.status == 200
    link = re.search(r'value="(http://127\.0\.0\.1:8080/register\?invite=[^"]+)"', page).group(1)
    token = link.split("invite=")[1]
    listing = await (await client.get("/admin/invites", headers=HTML)).text()
    assert "for Kim" in listing and token not in listing
    visitor = await aiohttp_client(create_app(settings, clock=clock))
    joined = await post_form(
        visitor,
        "/register",
        {"username": "kim", "password": PASSWORD, "password_again": PASSWORD, "invite": token},
        page=f"/register?invite={token}",
    )
    assert joined.status == 303
    assert "There are no unused invitations." in await (await client.get("/admin/invites", headers=HTML)).text()


async def test_an_invited_person_does_not_wait_for_approval(client, settings, aiohttp_client, clock):
    await signed_in_admin(client, settings)
    await _save_settings(client, registration_mode="approval")  # the default: strangers wait for an admin
    page = await (await admin_post(client, "/admin/invites", {"note": "for Ana", "days": "7"})).text()
    token = re.search(r'value="http://127\.0\.0\.1:8080/register\?invite=([^"]+)"', page).group(1)
    visitor = await aiohttp_client(create_app(settings, clock=clock))
    form_page = await (await visitor.get(f"/register?invite={token}", headers=HTML)).text()
    assert "You were invited" in form_page and "A few words for the admins" not in form_page
    assert f'name="invite" value="{token}"' in form_page, "the page sends the invitation with the form"
    joined = await post_form(
        visitor, "/register", {"username": "ana", "password": PASSWORD, "password_again": PASSWORD, "invite": token},
        page=f"/register?invite={token}",
    )
    assert joined.status == 303 and joined.headers["Location"] == "/account"
    assert (await Account.get(username="ana")).is_approved
    stranger = await aiohttp_client(create_app(settings, clock=clock))
    asked = await post_form(
        stranger, "/register", {"username": "lee", "password": PASSWORD, "password_again": PASSWORD},
        page="/register",
    )
    assert asked.status == 200 and not (await Account.get(username="lee")).is_approved  # no invitation: waits
    reused = await post_form(
        stranger, "/register", {"username": "max", "password": PASSWORD, "password_again": PASSWORD, "invite": token},
        page="/register",
    )
    assert reused.status == 400 and not await Account.exists(username="max"), "an invitation works once"


async def test_a_revoked_invitation_no_longer_works(client, settings):
    await signed_in_admin(client, settings)
    await admin_post(client, "/admin/invites", {"days": "3"})
    invite = await Invite.get()
    page = await follow(client, await admin_post(client, f"/admin/invites/{invite.id}/revoke"))
    assert "The invitation no longer works." in page and "There are no unused invitations." in page
    bad = await admin_post(client, "/admin/invites", {"days": "400"})
    assert bad.status == 400 and 'id="days-error"' in await bad.text()


async def _new_invitation_link(client, note: str) -> str:
    page = await (await admin_post(client, "/admin/invites", {"note": note, "days": "7"})).text()
    return re.search(r'id="invite-link" value="([^"]+)"', page).group(1).replace("http://127.0.0.1:8080", "")


async def test_registering_with_a_revoked_invitation_is_refused_and_another_still_works(
    client, settings, aiohttp_client, clock
):
    await signed_in_admin(client, settings)
    await _save_settings(client, registration_mode="invite")
    revoked, kept = await _new_invitation_link(client, "for Kim"), await _new_invitation_link(client, "for Lee")
    listing = await (await client.get("/admin/invites", headers=HTML)).text()
    revoke = re.search(r'for Kim ·.*?action="(/admin/invites/\d+/revoke)"', listing, re.S).group(1)
    await follow(client, await admin_post(client, revoke))
    visitor = await aiohttp_client(create_app(settings, clock=clock))
    for link, name in ((revoked, "kim"), (kept, "lee")):
        form = {"username": name, "password": PASSWORD, "password_again": PASSWORD, "invite": link.split("invite=")[1]}
        answers = await post_form(visitor, "/register", form, page=link)
        if link == revoked:
            page = await answers.text()
            assert answers.status == 400 and "This invitation is not valid" in page, page
            assert f'value="{name}"' in page, "what the person typed is kept"
            assert not await Account.exists(username=name)
        else:  # the control: the invitation that was not revoked lets its person in
            assert answers.status == 303 and await Account.exists(username=name)
