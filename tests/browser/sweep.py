"""Browser tests: the accessibility sweep's bookkeeping: which pages exist, which were checked, what failed."""

from __future__ import annotations

from playwright.sync_api import Page

from circlefed.app import create_app
from circlefed.settings import Settings
from tests.browser import screens
from tests.browser.accessibility import assert_accessible

# Pages the sweep does not open, and why (every other GET page of the web UI must be swept).
NOT_SWEPT = {
    "/circles/remote/{circle_id}": "needs a second instance: the federation journey checks it",
    "/circles/remote/{circle_id}/new": "needs a second instance: the federation journey checks it",
    "/p/{token}": "redirects to the reply on its thread's page",
    "/account/export": "a JSON download",
    "/admin/federation/export.csv": "a CSV download",
    "/admin/log/export": "a CSV or JSON download",
    "/threads/{thread_id}/media/{n}": "an image passed on by the media proxy, not a page",
    "/posts/{post_id}/media/{n}": "an image passed on by the media proxy, not a page",
    "/messages": "test_pages_accessible.py opens every message page with content on it",
    "/messages/new": "test_pages_accessible.py opens every message page with content on it",
    "/messages/{conversation_id}": "test_pages_accessible.py opens every message page with content on it",
}
WIDTHS = (390, 768, 1280)  # a phone, a tablet, a laptop
WIDTH_SHOTS = screens.ARTIFACTS / "widths"
# Wider than the window: the page, and the first few elements sticking out (tables scroll inside their own box).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const out = [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && e.children.length === 0)
    .slice(0, 3)
    .map((e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.className ? "." + e.className : ""}`);
  return `${document.documentElement.scrollWidth} px wide (${out.join(", ")})`;
}"""
HTML_OUTSIDE_UI = {"/u/{name}", "/c/{slug}", "/t/{token}", "/p/{token}"}  # AS2 for servers, HTML for browsers


def ui_pages() -> set[str]:
    """The route of every GET page a browser can open (what the sweep must cover)."""
    found = set()
    for route in create_app(Settings()).router.routes():
        module = getattr(route.handler, "__module__", "")
        path = route.resource.canonical if route.resource else ""
        if route.method == "GET" and (module.startswith("circlefed.web.ui") or path in HTML_OUTSIDE_UI):
            found.add(path)
    return found


class Sweep:
    """assert_accessible on each page, collecting every failure; remembers which routes were checked."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.checked: dict[str, str] = {}
        self.failures: list[str] = []

    def check(self, page: Page, route: str, path: str | None = None, status: int = 200) -> None:
        if path is not None:
            response = page.goto(self.base_url + path)
            assert response is not None and response.status == status, f"{path}: {response and response.status}"
        try:
            assert_accessible(page)
        except AssertionError as exc:
            self.failures.append(str(exc))
        self.failures += fits_every_width(page, route)
        self.checked.setdefault(route, page.url)


def fits_every_width(page: Page, route: str) -> list[str]:
    """At each of WIDTHS the page is no wider than the window (a screenshot of each is kept); the problems."""
    before, problems = page.viewport_size, []
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=WIDTH_SHOTS / str(width) / f"{screens.slug(route) or 'page'}.png")
            wide = page.evaluate(OVERFLOW)
            if wide:
                problems.append(f"{route} ({page.url}) at {width} px: the page is {wide}")
    finally:
        page.set_viewport_size(before)
    return problems
