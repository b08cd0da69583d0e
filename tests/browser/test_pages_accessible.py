"""Browser tests: every page listed exists (a 404 fails) and passes axe-core (no serious or critical violation)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, log_in

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
