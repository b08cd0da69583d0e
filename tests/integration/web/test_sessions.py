"""Sessions: signing out ends the session on the server; signed-in devices on /account and signing them out."""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import timedelta
from html.parser import HTMLParser

import aiohttp
from cryptography.fernet import Fernet

from circlefed.domain.account_admin import disable
from circlefed.storage.models import Account, AccountSession, InstanceSecret
from tests.factories import NEW_PASSWORD, PASSWORD, member_account, site_of
from tests.integration.web.conftest import HTML, csrf_page, post_form, sign_in

COOKIE = "circlefed_session"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


class _Forms(HTMLParser):
    """Every form of a page: its action, its fields (name -> value) and its button's text."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._in_button = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action"), "fields": {}, "button": ""})
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""
        elif tag == "button":
            self._in_button = True

    def handle_endtag(self, tag):
        if tag == "button":
            self._in_button = False

    def handle_data(self, data):
        if self._in_button and self.forms:
            self.forms[-1]["button"] += data


def forms_on(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return [{**form, "button": " ".join(form["button"].split())} for form in parser.forms]


async def account_page(browser) -> str:
    response = await browser.get("/account", headers=HTML, allow_redirects=False)
    assert response.status == 200, response.status
    return await response.text()


async def press(browser, button_starts: str) -> aiohttp.ClientResponse:
    """Submit the /account form whose button reads `button_starts…`, with the fields the page gave it."""
    page = await account_page(browser)
    matching = [form for form in forms_on(page) if form["button"].startswith(button_starts)]
    assert len(matching) == 1, (button_starts, [form["button"] for form in forms_on(page)])
    form = matching[0]
    return await browser.post(form["action"], data=form["fields"], headers=HTML, allow_redirects=False)


async def is_signed_in(browser) -> bool:
    response = await browser.get("/account", headers=HTML, allow_redirects=False)
    assert response.status == 200 or response.headers["Location"].startswith("/login"), response.status
    return response.status == 200


@contextlib.asynccontextmanager
async def other_browser(client, user_agent: str = FIREFOX):
    """A second browser on the same site: its own cookie jar and User-Agent."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(
        base_url=client.make_url("/"), cookie_jar=jar, headers={"User-Agent": user_agent}
    ) as browser:
        yield browser


def session_cookie(client, browser: aiohttp.ClientSession | None = None) -> str:
    """The session cookie of the test client (or of `browser`, another browser on the same site)."""
    jar = (browser or client.session).cookie_jar
    return jar.filter_cookies(client.make_url("/"))[COOKIE].value


async def replay(client, cookie: str, path: str = "/account"):
    """A request carrying only `cookie`, as someone who copied it from the browser would send it."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as other, other.get(
        client.make_url(path), headers={**HTML, "Cookie": f"{COOKIE}={cookie}"}, allow_redirects=False
    ) as response:
        return response.status, response.headers.get("Location", "")


async def test_a_cookie_copied_before_signing_out_opens_nothing_afterwards(client, member):
    await sign_in(client)
    token = await csrf_page(client, "/account")
    captured = session_cookie(client)
    assert (await replay(client, captured))[0] == 200  # the copy works while the session lasts
    signed_out = await client.post("/logout", data={"csrf_token": token}, headers=HTML, allow_redirects=False)
    assert signed_out.status == 303
    status, location = await replay(client, captured)
    assert status == 303 and location.startswith("/login")
    assert not await AccountSession.filter(account_id=member.id).exists()


async def test_the_account_page_lists_each_signed_in_device_and_marks_this_one(client, member, clock):
    await sign_in(client)
    clock.advance(timedelta(hours=1))
    async with other_browser(client, IPHONE) as phone:
        await sign_in(phone)
        page = await account_page(phone)
    assert "Signed-in devices" in page
    assert "Mobile Safari on iOS <strong>(this device)</strong>" in page
    assert page.count("(this device)") == 1
    assert "2026-01-01 12:00 UTC" in page and "2026-01-01 13:00 UTC" in page  # when each signed in
    buttons = [form["button"] for form in forms_on(page)]
    assert "Sign out this device" in buttons and "Sign out everywhere" in buttons
    assert any(button.startswith("Sign out Python") for button in buttons)  # the test client's own browser


async def test_sign_out_everywhere_signs_out_every_browser_and_shows_the_login_page(client, member):
    await sign_in(client)
    async with other_browser(client) as laptop:
        await sign_in(laptop)
        laptop_cookie = session_cookie(client, laptop)
        response = await press(laptop, "Sign out everywhere")
        assert response.status == 303 and response.headers["Location"] == "/login"
        login = await laptop.get("/login", headers=HTML)
        assert "signed out on every device" in await login.text()
        assert not await is_signed_in(laptop)
        assert (await replay(client, laptop_cookie))[0] == 303
    assert not await is_signed_in(client)
    assert await AccountSession.filter(account_id=member.id).count() == 0


async def test_signing_out_one_device_ends_only_that_session(client, member):
    await sign_in(client)
    async with other_browser(client) as laptop, other_browser(client, IPHONE) as phone:
        await sign_in(laptop)
        await sign_in(phone)
        response = await press(client, "Sign out Firefox on Linux")
        assert response.status == 303 and response.headers["Location"] == "/account"
        page = await account_page(client)
        assert "Signed out Firefox on Linux (signed in 2026-01-01 12:00 UTC)." in page
        assert "Firefox on Linux" not in page.split("Signed out Firefox on Linux")[1]  # no longer listed
        assert not await is_signed_in(laptop)
        assert await is_signed_in(phone) and await is_signed_in(client)
        this = await press(phone, "Sign out this device")
        assert this.status == 303 and this.headers["Location"] == "/login"
        assert not await is_signed_in(phone)
        assert await is_signed_in(client)


async def test_a_member_cannot_sign_out_someone_elses_device(client, member, settings):
    await member_account(site_of(settings), "sam")
    async with other_browser(client) as sams:
        await sign_in(sams, "sam")
        sams_session = await AccountSession.get(account__username="sam")
        await sign_in(client)
        page = await account_page(client)
        form = next(form for form in forms_on(page) if form["button"] == "Sign out this device")
        tampered = {**form["fields"], "session": str(sams_session.id)}
        response = await client.post(form["action"], data=tampered, headers=HTML, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/account"
        assert "That device was already signed out." in await account_page(client)  # as for a session that ended
        assert await is_signed_in(sams) and await is_signed_in(client)


async def test_changing_the_password_ends_every_other_session_and_this_devices_old_cookie(client, member):
    await sign_in(client)
    async with other_browser(client) as laptop:
        await sign_in(laptop)
        await csrf_page(client, "/account/password")
        before_change = session_cookie(client)
        form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        changed = await post_form(
            client, "/account/password", {**form, "new_password_again": form["new_password"]}, page="/account/password"
        )
        assert changed.status == 303
        assert not await is_signed_in(laptop)
    assert await is_signed_in(client)
    assert (await replay(client, before_change))[0] == 303
    assert "(this device)" in await account_page(client) and await AccountSession.all().count() == 1


async def test_a_session_ends_fourteen_days_after_sign_in_however_active_and_is_purged(client, member, clock):
    await sign_in(client)
    row = await AccountSession.get(account_id=member.id)
    for _ in range(13):
        clock.advance(timedelta(days=1))
        assert await is_signed_in(client)
    clock.advance(timedelta(hours=23, minutes=59))
    assert await is_signed_in(client)
    clock.advance(timedelta(minutes=1))
    assert not await is_signed_in(client)
    assert not await AccountSession.exists(id=row.id)


async def test_expired_sessions_of_everyone_are_purged_when_someone_signs_in(client, member, clock, settings):
    await member_account(site_of(settings), "sam")
    await sign_in(client)
    clock.advance(timedelta(days=15))  # robin's browser stays away: nothing looks its session up
    async with other_browser(client) as sams:
        await sign_in(sams, "sam")
    assert [row.account_id for row in await AccountSession.all()] == [(await Account.get(username="sam")).id]


async def test_last_seen_is_kept_to_the_nearest_few_minutes(client, member, clock):
    await sign_in(client)
    clock.advance(timedelta(minutes=4))
    assert "Last seen" in await account_page(client)
    assert (await AccountSession.get(account_id=member.id)).last_seen_at == clock.now() - timedelta(minutes=4)
    clock.advance(timedelta(minutes=2))
    page = await account_page(client)
    assert (await AccountSession.get(account_id=member.id)).last_seen_at == clock.now()
    assert page.count("2026-01-01 12:06 UTC") == 1 and "2026-01-01 12:00 UTC" in page


async def test_disabling_an_account_ends_its_sessions_for_good(client, member, settings):
    admin = await member_account(site_of(settings), "admin", is_admin=True)
    await sign_in(client)
    await disable(member.id, by=admin)
    assert await AccountSession.filter(account_id=member.id).count() == 0
    await Account.filter(id=member.id).update(is_disabled=False)  # enabled again: old sessions stay ended
    assert not await is_signed_in(client)


async def test_the_database_holds_only_a_hash_of_the_token_the_cookie_carries(client, member):
    await sign_in(client)
    key = (await InstanceSecret.get(name="session_key")).value
    cookie = json.loads(Fernet(key.encode()).decrypt(session_cookie(client).encode()))
    token = cookie["session"]["sid"]
    row = await AccountSession.get(account_id=member.id)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert "account_id" not in cookie["session"]  # who is signed in is the row's to say
