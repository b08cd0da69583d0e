"""Browser tests: real circlefed servers, the system's headless Chromium, and a page that screenshots each visit.

pytest-playwright provides context/new_context; the Playwright driver, the browser and the page are overridden
here: the browser is the system Chromium (Playwright's own browser downloads are never used), and Playwright
lives only while this package's tests run, because its sync API marks its event loop as running on the main
thread, which would break the asyncio tests collected after this package. For the same reason browser tests
are plain (sync) functions; domain calls they need run in a thread of their own (see servers.create_account).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.browser import screens, servers
from tests.browser.servers import Server

HERE = Path(__file__).resolve().parent
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
CHROMIUM_ENV = "CIRCLEFED_TEST_CHROMIUM"  # another Chromium build to drive instead


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def find_chromium() -> tuple[str | None, list[str]]:
    """The Chromium to drive (CIRCLEFED_TEST_CHROMIUM, else the system's), and where it was looked for."""
    candidates = [os.environ[CHROMIUM_ENV]] if os.environ.get(CHROMIUM_ENV) else list(CHROMIUM_CANDIDATES)
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found, candidates
    return None, candidates


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    found, looked_at = find_chromium()
    if found is None:
        pytest.skip(
            f"browser tests need Chromium and none was found (looked for {', '.join(looked_at)}); "
            "install it with `apt-get install chromium` (.ci/run does this)"
        )
    return found


@pytest.fixture(autouse=True)
def _skip_before_servers_start_when_no_chromium(request: pytest.FixtureRequest) -> None:
    if {"page", "context", "browser"} & set(request.fixturenames):
        request.getfixturevalue("chromium_executable")


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig, chromium_executable: str) -> dict:
    return {"executable_path": chromium_executable, "headless": not pytestconfig.getoption("--headed")}


@pytest.fixture(scope="package")
def playwright(chromium_executable: str) -> Iterator[Playwright]:
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="package")
def browser(playwright: Playwright, browser_type_launch_args: dict) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(**browser_type_launch_args)
    yield chromium
    chromium.close()


@pytest.fixture(scope="package")
def browser_context_args(playwright: Playwright, device: str | None) -> dict:
    """Options of every new context: `--device "Pixel 7"` emulates a phone (pytest-playwright's option)."""
    return dict(playwright.devices[device]) if device else {}


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page (own cookies) whose every visited page is saved in test-artifacts/screenshots/<test>/."""
    fresh = context.new_page()
    recorder = screens.ScreenshotRecorder(fresh, screens.folder_for(request.node.nodeid))
    yield fresh
    outcome = getattr(request.node, "rep_call", None)  # set by pytest-playwright's report hook
    recorder.finish(failed=outcome is not None and outcome.failed)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    return servers.migrated_template(tmp_path_factory.mktemp("browser-template"))


@pytest.fixture(scope="package")
def server(tmp_path_factory, sqlite_template: Path) -> Iterator[Server]:
    """One running instance shared by the browser tests that only look (or add uniquely named accounts).

    Journeys that change what others would see start their own with `start_server` / `two_servers`.
    """
    instance = servers.start(servers.set_up(tmp_path_factory.mktemp("server"), "Circles A", sqlite_template))
    yield instance
    servers.stop(instance)


@pytest.fixture
def start_server(tmp_path: Path, sqlite_template: Path) -> Iterator[Callable[..., Server]]:
    """Factory: start_server("Circles B", moderation={...}) -> a fresh running instance, stopped after the test."""
    running: list[Server] = []
    numbers = itertools.count(1)

    def start(name: str = "Circles A", **sections: dict) -> Server:
        workdir = tmp_path / f"server-{next(numbers)}"
        instance = servers.start(servers.set_up(workdir, name, sqlite_template, **sections))
        running.append(instance)
        return instance

    yield start
    errors = []
    for instance in reversed(running):
        try:
            servers.stop(instance)
        except servers.ServerError as exc:
            errors.append(str(exc))
    if errors:
        pytest.fail("\n\n".join(errors), pytrace=False)


@pytest.fixture
def two_servers(start_server) -> tuple[Server, Server]:
    """Two fresh instances on their own loopback ports that federate with each other over http."""
    with ThreadPoolExecutor(max_workers=2) as pool:  # each mostly waits for its own `circlefed` processes
        first, second = pool.map(start_server, ["Circles A", "Circles B"])
    return first, second
