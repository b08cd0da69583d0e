"""Account recovery: an admin's one-time password link, through the pages that give and use it."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from circlefed.app import create_app
from circlefed.storage.models import PasswordReset
from tests.factories import NEW_PASSWORD, PASSWORD
from tests.integration.web.admin_support import admin_post, signed_in_admin
from tests.integration.web.conftest import HTML, post_form, sign_in

pytestmark = pytest.mark.storage


async def link_for(client, member) -> str:
    answer = await admin_post(client, f"/admin/users/{member.id}/reset")
    page = await answer.text()
    assert answer.status == 200, (answer.status, re.findall(r"<h1>.*?</h1>|<p class=\"flash[^<]*", page))
    assert f"A link for {member.username} to set a new password" in page
    link = html.unescape(re.search(r'id="reset-link" value="([^"]+)"', page).group(1))
    return link.split("127.0.0.1:8080", 1)[1]


async def test_a_member_sets_a_new_password_with_the_link_an_admin_gave_once(
    client, settings, member, aiohttp_client, clock
):
    robin = await aiohttp_client(create_app(settings, clock=clock))
    await sign_in(robin)  # a session that the reset will end
    await signed_in_admin(client, settings)
    path = await link_for(client, member)
    token = path.rsplit("/", 1)[1]
    assert not await PasswordReset.exists(token_hash=token), "only the token's hash is stored"
    visitor = await aiohttp_client(create_app(settings, clock=clock))
    form = await (await visitor.get(path, headers=HTML)).text()
    assert "For the account <strong>robin</strong>" in form and f'action="{path}"' in form
    short = await post_form(visitor, path, {"password": "short", "password_again": "short"}, page=path)
    assert short.status == 400 and "at least 10 characters" in await short.text()
    saved = await post_form(visitor, path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}, page=path)
    assert saved.status == 303 and saved.headers["Location"] == "/login"
    assert (await robin.get("/account", headers=HTML, allow_redirects=False)).status == 303, "signed out everywhere"
    old = await post_form(visitor, "/login", {"username": "robin", "password": PASSWORD})
    assert old.status == 400
    await sign_in(visitor, "robin", NEW_PASSWORD)
    used = await visitor.get(path, headers=HTML)
    assert used.status == 410 and "expired or was used already" in await used.text()


async def test_a_link_expires_after_a_day_and_a_newer_one_replaces_it(client, settings, member, aiohttp_client, clock):
    await signed_in_admin(client, settings)
    first = await link_for(client, member)
    second = await link_for(client, member)
    visitor = await aiohttp_client(create_app(settings, clock=clock))
    assert (await visitor.get(first, headers=HTML)).status == 410, "the newer link replaces it"
    assert (await visitor.get(second, headers=HTML)).status == 200
    clock.advance(timedelta(hours=25))
    expired = await post_form(visitor, second, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
                              page="/login")
    assert expired.status == 410 and "Ask an admin for a new one" in await expired.text()
    assert (await visitor.get("/reset/not-a-token", headers=HTML)).status == 410
