"""Fixtures for web UI tests: an app on a fake clock, members, and signing in through the real forms."""

from __future__ import annotations

import dataclasses
import re

import pytest

from circlefed.app import create_app
from tests.factories import PASSWORD, approved_member, member_account, site_of

_TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML = {"Accept": "text/html"}


@pytest.fixture
def app(settings, clock):
    """Pages only: no background worker, so queued deliveries stay where the test put them."""
    quiet = dataclasses.replace(settings, web=dataclasses.replace(settings.web, run_worker=False))
    return create_app(quiet, clock=clock)


@pytest.fixture
async def client(aiohttp_client, app, db):
    return await aiohttp_client(app)


@pytest.fixture
async def member(settings, db):
    return await member_account(site_of(settings), "robin")


async def csrf_page(client, path: str = "/login") -> str:
    response = await client.get(path, headers=HTML)
    match = _TOKEN_RE.search(await response.text())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def post_form(client, path: str, data: dict, *, page: str = "/login", **kwargs):  # page: where the token is read
    token = await csrf_page(client, page)
    return await client.post(path, data={"csrf_token": token, **data}, headers=HTML, allow_redirects=False, **kwargs)


async def sign_in(client, username: str = "robin", password: str = PASSWORD):
    response = await post_form(client, "/login", {"username": username, "password": password})
    assert response.status == 303, await response.text()
    return response


@pytest.fixture
async def grief(settings, clock, member):
    """A public circle with fran (facilitator) and robin (member, signed in by the tests)."""
    from tests.integration.web.member_world import circle, person  # it imports this module

    fran = await person(settings, "fran")
    made = await circle(settings, "grief", facilitator=fran)
    await approved_member(made, await member.actor)
    return made
