"""Browser tests: what journeys build on: logging in through the form, accounts with known passwords, axe checks."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.servers import Server, create_account

__all__ = ["Server", "assert_accessible", "create_account", "log_in", "log_out"]

USERNAME_LABEL = re.compile(r"user\s*name", re.IGNORECASE)
PASSWORD_LABEL = re.compile(r"^password", re.IGNORECASE)
LOG_IN_BUTTON = re.compile(r"^(log|sign)\s*in$", re.IGNORECASE)
LOG_OUT_BUTTON = re.compile(r"^(log|sign)\s*out$", re.IGNORECASE)


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Log in through the /login form as a person would; fails with the page's message if it is refused."""
    page.goto(f"{base_url}/login")
    form = page.locator("main form").filter(has=page.get_by_label(PASSWORD_LABEL))
    form.get_by_label(USERNAME_LABEL).fill(username)
    form.get_by_label(PASSWORD_LABEL).fill(password)
    with page.expect_navigation():
        form.get_by_role("button", name=LOG_IN_BUTTON).click()
    if re.search(r"/login(\?|$)", page.url):
        raise AssertionError(f"log in as {username!r} was refused: {page.locator('main').inner_text()}")
    expect(page.get_by_role("button", name=LOG_OUT_BUTTON)).to_be_visible()


def log_out(page: Page) -> None:
    """Press the log-out button every page shows to a signed-in person."""
    with page.expect_navigation():
        page.get_by_role("button", name=LOG_OUT_BUTTON).click()
    expect(page.get_by_role("button", name=LOG_OUT_BUTTON)).to_have_count(0)
