"""Browser tests: every page listed exists (a 404 fails) and passes axe-core (no serious or critical violation)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, create_account, log_in
from tests.browser.journey_steps import press
from tests.factories import PASSWORD

# Pages anyone may open, and pages of a signed-in member (the instance's first admin here).
PUBLIC_PAGES = ["/", "/c/welcome", "/login", "/register", "/circles", "/u/admin"]
SIGNED_IN_PAGES = ["/", "/c/welcome", "/account", "/account/password"]


def _page_id(path: str) -> str:
    return path.strip("/").replace("/", "-") or "home"


def _visit(page, url: str) -> None:
    """Every page listed exists: a page that answers 404 (or anything but success) fails its test."""
    response = page.goto(url)
    assert response is not None and response.ok, f"{url} answered {response.status if response else 'nothing'}"


@pytest.mark.parametrize("path", PUBLIC_PAGES, ids=_page_id)
def test_public_page_has_no_serious_accessibility_violation(server, page, path):
    _visit(page, server.url(path))
    assert_accessible(page)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES, ids=_page_id)
def test_signed_in_page_has_no_serious_accessibility_violation(server, page, path):
    log_in(page, server.base_url, server.admin_name, server.admin_password)
    _visit(page, server.url(path))
    assert_accessible(page)


def test_the_message_pages_have_no_serious_accessibility_violation(start_server, new_context):
    """A facilitator writes to a member from the members page, the member answers: every page on the way."""
    server = start_server("Circles M")
    create_account(server, "robin", PASSWORD)
    robin, admin = new_context().new_page(), new_context().new_page()
    log_in(robin, server.base_url, "robin", PASSWORD)
    robin.goto(server.url("/c/welcome"))
    robin.get_by_label("I have read and accept the ground rules").check()
    press(robin, robin.get_by_role("button", name="Join", exact=True))
    log_in(admin, server.base_url, server.admin_name, server.admin_password)
    admin.goto(server.url("/c/welcome/facilitate/members"))
    press(admin, admin.get_by_role("link", name="Write to them (robin)"))
    assert_accessible(admin)  # /messages/new
    admin.get_by_label("Your message").fill("How are *you* today?")
    press(admin, admin.get_by_role("button", name="Send message"))
    expect(admin.locator("main em")).to_have_text("you")
    assert_accessible(admin)  # /messages/<id>
    robin.goto(server.url("/messages"))
    expect(robin.get_by_role("link", name="Messages 1 unread")).to_be_visible()
    assert_accessible(robin)  # /messages, one unread
    press(robin, robin.get_by_role("link", name=server.admin_name))
    robin.get_by_label("Your message").fill("   ")  # the browser sends it; the server asks for words
    press(robin, robin.get_by_role("button", name="Send message"))
    assert_accessible(robin)  # the form with its error
    robin.get_by_label("Your message").fill("Better than yesterday, thank you.")
    press(robin, robin.get_by_role("button", name="Send message"))
    admin.goto(server.url("/messages"))
    assert_accessible(admin)


def test_the_not_found_page_has_no_serious_accessibility_violation(server, page):
    response = page.goto(server.url("/c/no-such-circle"))
    assert response is not None and response.status == 404
    assert_accessible(page)


def test_the_first_tab_shows_the_skip_link_with_a_visible_focus_ring(server, page):
    page.goto(server.url("/c/welcome"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is on screen"
    ring = skip.evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth]; }")
    assert ring[0] != "none" and ring[1] != "0px", ring
    page.keyboard.press("Enter")
    expect(page).to_have_url(server.url("/c/welcome#main"))


def _api_post(url: str, fields: dict) -> dict:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:  # a loopback test server
        return json.loads(response.read())


def test_the_oauth_pages_have_no_serious_accessibility_violation(server, page):
    """An app asks (out of band): the consent page, the code shown after Allow, and the Apps list on /account."""
    app = _api_post(server.url("/api/v1/apps"), {
        "client_name": "Pocket app", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write"})
    log_in(page, server.base_url, server.admin_name, server.admin_password)
    query = urllib.parse.urlencode({"client_id": app["client_id"], "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
                                    "response_type": "code", "scope": "read"})
    _visit(page, server.url(f"/oauth/authorize?{query}"))
    assert_accessible(page)
    press(page, page.get_by_role("button", name="Allow Pocket app"))
    assert_accessible(page)
    code = page.locator("#oauth-code").inner_text()
    _api_post(server.url("/oauth/token"), {
        "grant_type": "authorization_code", "code": code, "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
        "client_id": app["client_id"], "client_secret": app["client_secret"]})
    _visit(page, server.url("/account"))
    expect(page.get_by_role("button", name="Revoke Pocket app")).to_be_visible()
    assert_accessible(page)
