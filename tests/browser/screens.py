"""Browser tests: a full-page screenshot of every page a test visits, in test-artifacts/screenshots/<test>/."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Page methods that return once a new page has loaded: the shot is taken right then, by the test's own thread
# of control, so it can never race with the next navigation (a shot from an event handler or a route can).
_WAITS_FOR_LOAD = ("goto", "reload", "go_back", "go_forward", "wait_for_url", "wait_for_load_state")
_RECORDERS: dict[int, ScreenshotRecorder] = {}


def slug(text: str, limit: int = 60) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")


class ScreenshotRecorder:
    """Shoots each newly loaded page once: after goto/reload/wait_for_url/wait_for_load_state, at the end of
    `with page.expect_navigation():`, before assert_accessible, and at the end of the test."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.count = 0
        self.loads = 0
        self.shot_load = 0
        shutil.rmtree(folder, ignore_errors=True)
        page.on("load", self._on_load)
        for name in _WAITS_FOR_LOAD:
            setattr(page, name, self._shooting_after(getattr(page, name)))
        page.expect_navigation = self._shooting_navigation(page.expect_navigation)
        _RECORDERS[id(page)] = self

    def _on_load(self, _page: Page) -> None:
        self.loads += 1  # only counts: a Playwright call from here would race with the test

    def _shooting_after(self, method: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            result = method(*args, **kwargs)
            self.shoot_if_new()
            return result

        return wrapper

    def _shooting_navigation(self, expect_navigation: Callable) -> Callable:
        @contextmanager
        def wrapper(*args, **kwargs) -> Iterator:
            with expect_navigation(*args, **kwargs) as info:
                yield info
            self.shoot_if_new()

        return wrapper

    def shoot_if_new(self) -> Path | None:
        return self.shoot() if self.loads != self.shot_load else None

    def shoot(self, suffix: str = "") -> Path | None:
        """Save the current page as <n>-<slug of its path>.png; None for about:blank or a closed page."""
        if self.page.is_closed() or self.page.url == "about:blank":
            return None
        self.count += 1
        self.shot_load = self.loads
        parts = urlsplit(self.page.url)
        name = slug(parts.path + ("-" + parts.query if parts.query else "")) or "home"
        path = self.folder / f"{self.count:02d}-{name}{suffix}.png"
        self.folder.mkdir(parents=True, exist_ok=True)
        for attempt in (1, 2):
            try:
                self.page.screenshot(path=str(path), full_page=True)
                return path
            except PlaywrightError as exc:  # a record of the journey, not a check: a busy browser may refuse one
                print(f"screenshot {path.name} not taken (attempt {attempt}): {exc.message}")
        return None

    def finish(self, failed: bool) -> None:
        """The last page (always when the test failed: it shows what went wrong); nothing if the browser died."""
        _RECORDERS.pop(id(self.page), None)
        try:
            self.shoot("-failed") if failed else self.shoot_if_new()
        except PlaywrightError as exc:
            print(f"no final screenshot: {exc.message}")


def shoot(page: Page) -> Path | None:
    """Save the page now unless saved since it loaded (after a click whose new page an `expect` has confirmed)."""
    recorder = _RECORDERS.get(id(page))
    return recorder.shoot_if_new() if recorder else None


def folder_for(nodeid: str) -> Path:
    """tests/browser/test_x.py::test_y[chromium-home] -> test-artifacts/screenshots/test_x-test_y-chromium-home."""
    name = nodeid.split("tests/browser/", 1)[-1].replace(".py::", "-")
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-")[:150]
