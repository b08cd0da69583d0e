"""Sign-in limits through the real /login form: guessing is slowed, the account's owner is never locked out, and
admins see the lockouts. Browsers on other addresses connect from other loopback addresses (127.0.0.0/8)."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from circlefed.domain import login_limits
from tests.factories import PASSWORD
from tests.integration.web.admin_support import signed_in_admin
from tests.integration.web.conftest import HTML
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage


class Browser:
    """A browser on its own loopback address, with its own cookies, talking to the test server."""

    def __init__(self, client, address: str) -> None:
        self._client = client
        connector = aiohttp.TCPConnector(local_addr=(address, 0))
        self._session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True))

    def get(self, path: str, **kwargs):
        return self._session.get(self._client.make_url(path), **kwargs)

    def post(self, path: str, **kwargs):
        return self._session.post(self._client.make_url(path), **kwargs)

    async def close(self) -> None:
        await self._session.close()


@pytest.fixture
async def browsers(client):
    opened: list[Browser] = []

    def at(address: str) -> Browser:
        opened.append(Browser(client, address))
        return opened[-1]

    yield at
    for browser in opened:
        await browser.close()


async def log_in(browser, username="robin", password=PASSWORD):
    return await submit(browser, "/login", "Log in", fill={"username": username, "password": password})


async def guess(browser, clock, times: int, username="robin") -> list[int]:
    """Wrong passwords, each sent as soon as the form allows; the statuses of the guesses that were checked."""
    statuses = []
    while len(statuses) < times:
        response = await log_in(browser, username, "a wrong password")
        if response.status == 429 and int(response.headers["Retry-After"]) <= 30:
            clock.advance(int(response.headers["Retry-After"]))  # the short wait: an attacker just waits it out
            continue
        statuses.append(response.status)
        if response.status == 429:
            break
    return statuses


async def test_guesses_from_elsewhere_delay_the_owner_by_seconds_never_lock_them_out(client, member, browsers, clock):
    # SPEC: issue 15 sign-in limits (per username and address; a capped per-username delay instead of a lock)
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        attacker = browsers(address)
        assert await guess(attacker, clock, 6) == [400] * 5 + [429]  # each address: 5 tries, then 15 minutes
        refused = await log_in(attacker)  # even the right password waits at that address
        assert refused.status == 429 and int(refused.headers["Retry-After"]) > 10 * 60
    owner = browsers("127.0.0.5")
    waiting = await log_in(owner)
    assert waiting.status == 429 and int(waiting.headers["Retry-After"]) <= 30
    assert "wait" in await waiting.text()
    clock.advance(int(waiting.headers["Retry-After"]))
    assert (await log_in(owner)).status == 303


async def test_the_owners_own_browser_signs_in_at_once_even_from_the_attackers_address(client, member, browsers, clock):
    # SPEC: issue 15 sign-in limits (the owner signing in as usual is not locked out by an attacker's failures)
    owner = browsers("127.0.0.6")
    assert (await log_in(owner)).status == 303  # the browser is now known for robin
    await owner.post("/logout", data={"csrf_token": await _token(owner)})
    shared = browsers("127.0.0.6")  # someone else behind the same address (a household, a proxy)
    assert await guess(shared, clock, 6) == [400] * 5 + [429]
    elsewhere = browsers("127.0.0.7")
    assert await guess(elsewhere, clock, 5) == [400] * 5
    assert (await log_in(owner)).status == 303  # no wait at all: its attempts are counted on their own
    assert (await log_in(shared)).status == 429


async def test_a_known_browser_has_its_own_five_tries(client, member, browsers, clock):
    owner = browsers("127.0.0.8")
    assert (await log_in(owner)).status == 303
    await owner.post("/logout", data={"csrf_token": await _token(owner)})
    assert await guess(owner, clock, 6) == [400] * 5 + [429]
    clock.advance(login_limits.WINDOW)
    assert (await log_in(owner)).status == 303


async def test_admins_see_recent_lockouts_on_the_accounts_page(client, member, settings, browsers, clock):
    # SPEC: issue 15 sign-in limits (admins see recent lockouts)
    await guess(browsers("127.0.0.9"), clock, 5)
    await guess(browsers("127.0.0.10"), clock, 5)
    await signed_in_admin(client, settings)
    page = await (await client.get("/admin/users", headers=HTML)).text()
    section = page[page.index('id="lockouts"') :]
    assert "Recent sign-in lockouts" in section
    assert section.count("<td>robin</td>") == 3  # two addresses locked for robin, and robin slowed everywhere
    assert "127.0.0.9" in section and "127.0.0.10" in section and "several addresses" in section
    clock.advance(login_limits.KEEP_LOCKOUTS + timedelta(minutes=1))
    await guess(browsers("127.0.0.11"), clock, 1, username="someone")  # a new failure prunes the old rows
    later = await (await client.get("/admin/users", headers=HTML)).text()
    assert "No sign-in limit was reached" in later


async def _token(browser) -> str:
    async with browser.get("/account", headers=HTML) as response:
        page = await response.text()
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
