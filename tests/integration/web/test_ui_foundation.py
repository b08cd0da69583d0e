"""UI foundation: sessions, CSRF, guards, flashes, the nav and keyset paging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web

from circlefed.app import create_app
from circlefed.domain.circles import create_circle
from circlefed.storage.models import Account, Circle, Role
from circlefed.web.ui.guards import admin_required, login_required, safe_next
from circlefed.web.ui.paging import decode_cursor, encode_cursor, keyset_page, page_url
from circlefed.web.ui.render import redirect, render
from tests.conftest import settings_for
from tests.factories import PASSWORD, approved_member, member_account, site_of
from tests.integration.web.conftest import HTML, csrf_page, post_form, sign_in


async def _admin_page(request):
    return web.Response(text="admin area")


async def _members_page(request):
    return await render(request, "ui/account/overview.html")


async def _flash_then_redirect(request):
    return redirect(request, "/account", "Saved your changes.")


async def _circles_page(request):
    page = await keyset_page(Circle.all(), "created_at", request.query.get("after"), limit=2)
    names = ",".join(c.slug for c in page.items)
    return web.Response(text=f"{names}|{page_url(request, page.next_cursor) or ''}")


@pytest.fixture
def app(settings, clock):
    app = create_app(settings, clock=clock)
    app.router.add_get("/test/admin", admin_required(_admin_page))
    app.router.add_get("/test/members", login_required(_members_page))
    app.router.add_post("/test/flash", login_required(_flash_then_redirect))
    app.router.add_get("/test/circles", _circles_page)
    return app


async def test_login_sets_a_session_cookie_that_is_httponly_and_samesite_lax(client, member):
    response = await sign_in(client)
    cookie = response.cookies["circlefed_session"]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # http base URL: local development only
    assert int(cookie["max-age"]) > 0
    page = await (await client.get("/account", headers=HTML)).text()
    assert "signed in as <strong>robin</strong>" in page
    assert 'action="/logout"' in page and "Log in</a>" not in page


async def test_the_session_cookie_is_secure_on_an_https_instance(aiohttp_client, database_url):
    settings = settings_for(database_url, base_url="https://circles.example")
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/login", headers=HTML)  # the form's CSRF token starts a session
    assert response.cookies["circlefed_session"]["secure"] is True


async def test_login_rotates_the_session_so_an_earlier_csrf_token_is_void(client, member):
    before = await csrf_page(client)
    await sign_in(client)
    after = await csrf_page(client, "/account")
    assert before != after
    response = await client.post("/logout", data={"csrf_token": before}, headers=HTML, allow_redirects=False)
    assert response.status == 403


async def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_with_a_reload_page(client, member):
    await sign_in(client)
    missing = await client.post("/logout", data={}, headers=HTML, allow_redirects=False)
    wrong = await client.post("/logout", data={"csrf_token": "x" * 43}, headers=HTML, allow_redirects=False)
    for response in (missing, wrong):
        assert response.status == 403
        page = await response.text()
        assert "This form has expired" in page and "reload" in page
    assert "signed in as" in await (await client.get("/account", headers=HTML)).text()


async def test_a_post_with_the_csrf_token_is_accepted(client, member):
    await sign_in(client)
    response = await post_form(client, "/logout", {}, page="/account")
    assert response.status == 303 and response.headers["Location"] == "/"
    home = await (await client.get("/", headers=HTML)).text()
    assert "You have signed out." in home and 'role="status"' in home
    again = await (await client.get("/", headers=HTML)).text()
    assert "You have signed out." not in again  # shown once


async def test_inboxes_are_not_subject_to_csrf(client):
    response = await client.post("/inbox", data=b"{}", headers={"Content-Type": "application/activity+json"})
    # refused by the inbox's own reading of the activity; the CSRF check would have answered 403 "form has expired"
    assert (response.status, (await response.json())["error"]) == (400, "'id' must be an absolute http(s) URL")
    activity = b'{"id": "https://remote.example/a/1", "type": "Like", "actor": "https://remote.example/u/a"}'
    response = await client.post("/inbox", data=activity, headers={"Content-Type": "application/activity+json"})
    assert (response.status, (await response.json())["error"]) == (401, "the request is not signed")


async def test_login_required_sends_visitors_to_login_and_back(client, member):
    response = await client.get("/test/members?x=1", headers=HTML, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/login?next=%2Ftest%2Fmembers%3Fx%3D1"
    login = await post_form(client, "/login", {"username": "robin", "password": PASSWORD, "next": "/test/members?x=1"})
    assert login.headers["Location"] == "/test/members?x=1"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
async def test_login_never_redirects_off_site(client, member, next_url):
    response = await post_form(client, "/login", {"username": "robin", "password": PASSWORD, "next": next_url})
    assert response.headers["Location"] == "/"
    assert safe_next(next_url) == "/"


async def test_a_member_who_is_not_admin_gets_403_on_an_admin_page(client, member):
    await sign_in(client)
    response = await client.get("/test/admin", headers=HTML)
    assert response.status == 403
    page = await response.text()
    assert "for the admins" in page and "Log out" in page  # the error page keeps the viewer's nav


async def test_an_admin_sees_the_admin_page_and_the_admin_link(client, settings, db):
    await member_account(site_of(settings), "ada", is_admin=True)
    await sign_in(client, "ada")
    assert (await client.get("/test/admin")).status == 200
    assert 'href="/admin"' in await (await client.get("/account", headers=HTML)).text()


async def test_the_nav_shows_facilitate_only_to_facilitators(client, settings, member):
    await sign_in(client)
    assert 'href="/facilitate"' not in await (await client.get("/", headers=HTML)).text()
    circle = await create_circle(site_of(settings), "grief", "Grief circle")
    await approved_member(circle, await member.actor, role=Role.FACILITATOR)
    assert 'href="/facilitate"' in await (await client.get("/", headers=HTML)).text()


async def test_flash_after_redirect_is_shown_once(client, member):
    await sign_in(client)
    response = await post_form(client, "/test/flash", {}, page="/account")
    assert response.status == 303
    assert "Saved your changes." in await (await client.get("/account", headers=HTML)).text()
    assert "Saved your changes." not in await (await client.get("/account", headers=HTML)).text()


async def test_a_disabled_account_is_signed_out_at_once(client, member):
    await sign_in(client)
    await Account.filter(id=member.id).update(is_disabled=True)
    response = await client.get("/account", headers=HTML, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/login")


async def test_keyset_pages_are_stable_when_new_rows_arrive(client, settings, clock):
    site = site_of(settings)
    for name in ("one", "two", "three", "four", "five"):
        await create_circle(site, name, name.title())
    await Circle.filter(slug="two").update(created_at=(await Circle.get(slug="three")).created_at)  # a tie
    first = (await (await client.get("/test/circles")).text()).split("|")
    second = (await (await client.get(first[1])).text()).split("|")
    await create_circle(site, "six", "Six")  # newest: would shift an OFFSET page
    second_again = (await (await client.get(first[1])).text()).split("|")
    third = (await (await client.get(second[1])).text()).split("|")
    seen = first[0].split(",") + second[0].split(",") + third[0].split(",")
    assert second == second_again
    assert sorted(seen) == ["five", "four", "one", "three", "two"] and third[1] == ""


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjoxfQ", "WyJkIiwibm90LWEtZGF0ZSIsMV0", "%%%"])
async def test_a_bad_cursor_is_a_clear_400(client, cursor):
    response = await client.get("/test/circles", params={"after": cursor}, headers=HTML)
    assert response.status == 400
    assert "page link is broken" in await response.text()


def test_cursor_round_trip_keeps_time_and_id():
    from datetime import UTC, datetime

    when = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC) + timedelta(hours=1)
    assert decode_cursor(encode_cursor(when, 42)) == (when, 42)
    assert decode_cursor(encode_cursor(7, 3)) == (7, 3)


async def test_reading_a_public_page_sets_no_cookie_but_a_form_page_does(client):
    assert "circlefed_session" not in (await client.get("/", headers=HTML)).cookies
    assert "circlefed_session" in (await client.get("/login", headers=HTML)).cookies
