"""Accounts: signing in (and its rate limit), joining in each registration mode, invitations, password changes."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from circlefed.app import create_app
from circlefed.domain.invites import create_invite
from circlefed.domain.registration import approve_account, list_pending_accounts, set_registration_mode
from circlefed.storage.models import Account, Invite, RegistrationMode
from tests.factories import NEW_PASSWORD, PASSWORD
from tests.integration.web.conftest import HTML, post_form, sign_in


async def _login(client, username="robin", password=PASSWORD):
    return await post_form(client, "/login", {"username": username, "password": password})


async def _register(client, username="sam", password=PASSWORD, *, page="/register", **more):
    data = {"username": username, "password": password, "password_again": password, **more}
    return await post_form(client, "/register", data, page=page)


async def test_login_with_the_right_password_signs_in(client, member):
    response = await _login(client)
    assert response.status == 303 and response.headers["Location"] == "/"
    assert "Welcome back, robin." in await (await client.get("/account", headers=HTML)).text()


async def test_login_with_a_wrong_password_or_unknown_name_says_the_same(client, member):
    wrong = await _login(client, password="not the password")
    unknown = await _login(client, username="nobody")
    assert wrong.status == unknown.status == 400
    for response in (wrong, unknown):
        page = await response.text()
        assert "That username and password do not match" in page
        assert "aria-invalid" not in page.split('id="username"')[1].split(">")[0]  # no hint which was wrong
    assert (await client.get("/account", allow_redirects=False)).status == 303


async def test_five_failures_lock_the_username_for_fifteen_minutes_then_it_recovers(client, member, clock):
    for _ in range(5):
        assert (await _login(client, password="wrong password")).status == 400
    locked = await _login(client)  # even the right password waits
    assert locked.status == 429
    assert int(locked.headers["Retry-After"]) == 15 * 60
    assert "Please wait 15 minutes" in await locked.text()
    clock.advance(timedelta(minutes=14))
    assert (await _login(client)).status == 429
    clock.advance(timedelta(minutes=1, seconds=1))
    assert (await _login(client)).status == 303


async def test_the_address_limit_stops_guessing_across_many_usernames(client, member, clock):
    for number in range(30):
        assert (await _login(client, username=f"user{number}", password="wrong password")).status == 400
    limited = await _login(client)  # robin's own name was never guessed: the address is what is limited
    assert limited.status == 429 and "Please wait" in await limited.text()
    clock.advance(timedelta(minutes=15, seconds=1))
    assert (await _login(client)).status == 303  # the control: robin's right password works once it has passed


async def test_an_account_waiting_for_approval_cannot_sign_in_until_approved(client, db):
    await set_registration_mode(RegistrationMode.APPROVAL)
    response = await _register(client, join_reason="A friend told me about the grief circle.")
    assert response.status == 200
    assert "reached the admins" in await response.text()
    pending = await list_pending_accounts()
    assert [a.username for a in pending] == ["sam"] and pending[0].join_reason.startswith("A friend")
    waiting = await _login(client, username="sam")
    assert waiting.status == 403 and "waiting for approval" in await waiting.text()
    await approve_account(pending[0].id)
    assert (await _login(client, username="sam")).status == 303


async def test_open_registration_signs_the_new_member_in(client, db):
    await set_registration_mode(RegistrationMode.OPEN)
    response = await _register(client)
    assert response.status == 303 and response.headers["Location"] == "/account"
    assert "signed in as <strong>sam</strong>" in await (await client.get("/account", headers=HTML)).text()
    assert (await Account.get(username="sam")).is_approved


async def test_registration_checks_fields_and_shows_errors_next_to_them(client, member):
    await set_registration_mode(RegistrationMode.OPEN)
    response = await post_form(
        client,
        "/register",
        {"username": "Not Valid!", "password": "short", "password_again": "other"},
        page="/register",
    )
    assert response.status == 400
    page = await response.text()
    assert 'id="username-error"' in page and 'aria-describedby="username-help username-error"' in page
    assert "at least 10 characters" in page and 'aria-invalid="true"' in page
    taken = await _register(client, username="robin")
    assert taken.status == 409 and "already taken" in await taken.text()


async def test_closed_registration_offers_no_form(client, db):
    await set_registration_mode(RegistrationMode.CLOSED)
    page = await client.get("/register", headers=HTML)
    assert page.status == 403 and "not taking new members" in await page.text()
    assert 'href="/register"' not in await (await client.get("/", headers=HTML)).text()


async def test_an_invitation_works_once_and_not_after_it_expires(client, clock, member):
    await set_registration_mode(RegistrationMode.INVITE)
    without = await client.get("/register", headers=HTML)
    assert "with an invitation" in await without.text() and '<form method="post" action="/register"' not in (
        await without.text()
    )
    created = await create_invite(member, now=clock.now(), expires_in=timedelta(days=2))
    assert created.token not in (await Invite.get(id=created.invite.id)).token_hash
    page = f"/register?invite={created.token}"
    assert (await _register(client, "sam", page=page, invite=created.token)).status == 303
    await post_form(client, "/logout", {}, page="/account")
    again = await _register(client, "kim", page=page, invite=created.token)
    assert again.status == 400 and "not valid" in await again.text()
    late = await create_invite(member, now=clock.now(), expires_in=timedelta(days=2))
    clock.advance(timedelta(days=2, seconds=1))
    expired = await _register(client, "lee", page=f"/register?invite={late.token}", invite=late.token)
    assert expired.status == 400
    assert not await Account.exists(username__in=["kim", "lee"])
    used = await Invite.get(id=created.invite.id)
    assert used.used_by_id == (await Account.get(username="sam")).id and used.used_at is not None


async def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(client, member):
    async with aiohttp.ClientSession(base_url=client.make_url("/"), cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        await sign_in(other)
        await _change_password_on(client)
        assert (await client.get("/account", allow_redirects=False)).status == 200  # this device stays signed in
        assert (await other.get("/account", allow_redirects=False)).status == 303
    await post_form(client, "/logout", {}, page="/account")
    old = await _login(client)
    assert old.status == 400 and "That username and password do not match" in await old.text()
    assert (await _login(client, password=NEW_PASSWORD)).status == 303


async def _change_password_on(client):
    await sign_in(client)
    form = {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    refused = await post_form(client, "/account/password", {**form, "current_password": "wrong"}, page="/account")
    assert refused.status == 403 and "current password is not right" in await refused.text()
    changed = await post_form(client, "/account/password", {**form, "current_password": PASSWORD}, page="/account")
    assert changed.status == 303


@pytest.mark.parametrize("mode", ["open", "approval"])
async def test_the_nav_offers_joining_when_registration_is_open_or_by_approval(client, db, mode):
    await set_registration_mode(RegistrationMode(mode))
    assert 'href="/register"' in await (await client.get("/", headers=HTML)).text()


async def _guess_from(server, aiohttp_client, forwarded_for: str) -> None:
    """Thirty wrong sign-ins over many usernames from one client behind the proxy: its address is limited."""
    guesser = await aiohttp_client(server, headers={"X-Forwarded-For": forwarded_for})
    for number in range(30):
        assert (await _login(guesser, username=f"user{number}", password="wrong password")).status == 400
    assert (await _login(guesser)).status == 429


async def test_behind_a_trusted_proxy_the_address_limit_counts_each_client_not_the_proxy(
    aiohttp_server, aiohttp_client, settings, member
):
    # SPEC: issue 20 (deploy behind nginx): with web.trusted_proxies, one guesser does not lock everyone out
    server = await aiohttp_server(create_app(settings.replace(web={"trusted_proxies": ("127.0.0.1", "::1")})))
    await _guess_from(server, aiohttp_client, "203.0.113.7")
    someone_else = await aiohttp_client(server, headers={"X-Forwarded-For": "198.51.100.4"})
    assert (await _login(someone_else)).status == 303


async def test_without_trusted_proxies_a_client_cannot_choose_its_address(
    aiohttp_server, aiohttp_client, settings, member
):
    server = await aiohttp_server(create_app(settings))
    await _guess_from(server, aiohttp_client, "203.0.113.7")
    pretending = await aiohttp_client(server, headers={"X-Forwarded-For": "198.51.100.4"})
    assert (await _login(pretending)).status == 429
