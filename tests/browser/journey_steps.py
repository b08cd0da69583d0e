"""Browser tests: what people do in the journeys, one step at a time, through the pages' labels and buttons."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.browser.accessibility import assert_accessible

PASSWORD_FIELD = re.compile(r"^Password(?! again)")


def press(page: Page, button: Locator) -> None:
    """Click a button or link that loads a new page, and wait for it."""
    with page.expect_navigation():
        button.click()


def expect_flash(page: Page, text: str) -> None:
    expect(page.get_by_role("status")).to_contain_text(text)


def visit(page: Page, url: str) -> None:
    """Open a page that must answer 2xx and pass axe-core."""
    response = page.goto(url)
    assert response is not None and response.ok, f"{url} answered {response.status if response else 'nothing'}"
    assert_accessible(page)


def wait_until(page: Page, url: str, ready: Callable[[], bool], what: str, *, timeout: float = 60) -> None:
    """Reload `url` until `ready()` (deliveries between servers are asynchronous); fail after `timeout` seconds
    (generous: a delivery that timed out on a busy machine is retried after its backoff)."""
    deadline = time.monotonic() + timeout
    page.goto(url)
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen at {url} within {timeout:g} s")
        time.sleep(0.25)  # the workers poll every 0.2 s; nothing in the page to await
        page.reload()


# Instance admins


def set_registration_mode(page: Page, base_url: str, label: str) -> None:
    visit(page, f"{base_url}/admin/settings")
    page.get_by_label(label, exact=True).check()
    press(page, page.get_by_role("button", name="Save settings"))
    expect_flash(page, "Saved the instance settings.")
    expect(page.get_by_label(label, exact=True)).to_be_checked()


def block_domain(page: Page, base_url: str, domain: str, reason: str) -> None:
    visit(page, f"{base_url}/admin/federation")
    form = page.get_by_role("form", name="Add or change a rule")
    form.get_by_label("Domain").fill(domain)
    form.get_by_label("What to do").select_option("block")
    form.get_by_label("Reason").fill(reason)
    press(page, form.get_by_role("button", name="Save rule"))
    expect_flash(page, f"{domain}: block.")
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=domain, exact=True))
    expect(row).to_contain_text("block")
    expect(row).to_contain_text(reason)


# Joining the instance and its circles


def register(page: Page, base_url: str, username: str, password: str) -> None:
    visit(page, f"{base_url}/register")
    form = page.locator("main form")
    form.get_by_label("Username").fill(username)
    form.get_by_label(PASSWORD_FIELD).fill(password)
    form.get_by_label("Password again").fill(password)
    press(page, form.get_by_role("button", name="Join", exact=True))
    expect_flash(page, f"Welcome, {username}. Your account is ready.")


def ask_to_join(page: Page, base_url: str, slug: str) -> None:
    """Request to join a circle here, ticking the ground-rules box (refused without it first)."""
    visit(page, f"{base_url}/c/{slug}")
    expect(page.get_by_role("heading", name="Ground rules")).to_be_visible()
    page.get_by_label("I have read and accept the ground rules").check()
    press(page, page.get_by_role("button", name="Request to join"))
    expect_flash(page, "Your request to join was sent.")
    expect(page.get_by_text("Your request to join is waiting for a facilitator.")).to_be_visible()


def join_by_handle(page: Page, base_url: str, handle: str) -> None:
    visit(page, f"{base_url}/circles")
    page.get_by_label("The circle's handle").fill(handle)
    press(page, page.get_by_role("button", name="Ask to join"))
    expect_flash(page, "You asked to join")


# Writing


def start_thread(page: Page, circle_url: str, title: str, body: str, content_warning: str = "") -> str:
    """Start a thread from the circle's page; returns the thread page's URL."""
    visit(page, circle_url)
    press(page, page.get_by_role("link", name="Start a thread"))
    assert_accessible(page)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Your text").fill(body)
    page.get_by_label("Content warning").fill(content_warning)
    press(page, page.get_by_role("button", name="Post thread"))
    expect_flash(page, "Your thread is posted.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.url.split("#", 1)[0]


def reply(page: Page, thread_url: str, body: str) -> None:
    visit(page, thread_url)
    page.get_by_label("Your reply").fill(body)
    press(page, page.get_by_role("button", name="Send reply"))
    expect_flash(page, "Your reply is posted.")
    expect(reply_item(page, body)).to_be_visible()


def reply_item(page: Page, text: str) -> Locator:
    """The list item of the reply whose text contains `text`."""
    return page.locator("ol.posts > li").filter(has_text=text)


def report(page: Page, thread_url: str, category: str, reason: str, reply_text: str | None = None) -> None:
    """Report the reply containing `reply_text`, or the thread's opening post when it is None: why (the
    category's label, e.g. "Harmful advice") and in the reporter's words."""
    visit(page, thread_url)
    item = reply_item(page, reply_text) if reply_text else page.locator("#opening")
    item.locator("summary", has_text="Report").click()
    item.get_by_label("Why are you reporting this?").select_option(label=category)
    item.get_by_label("What is the problem?").fill(reason)
    press(page, item.get_by_role("button", name="Send report"))
    expect_flash(page, "The facilitators will look at your report.")


# Facilitators


def set_ground_rules(page: Page, base_url: str, slug: str, rules: str) -> None:
    visit(page, f"{base_url}/c/{slug}/facilitate/rules")
    page.get_by_label("Ground rules", exact=False).fill(rules)
    press(page, page.get_by_role("button", name="Save the ground rules"))
    expect(page.get_by_label("Ground rules")).to_have_value(rules)


def approve_requests(page: Page, base_url: str, slug: str, names: list[str]) -> None:
    visit(page, f"{base_url}/c/{slug}/facilitate/requests")
    for name in names:
        # A confidential circle shows its facilitators the account behind each name: "Member 1a2b3c (robin)".
        button = page.get_by_role("button", name=re.compile(rf"^Approve (Member [0-9a-f]{{6}} \({name}\)|{name})$"))
        press(page, button)
        expect(button).to_have_count(0)
    expect(page.get_by_text("No one is waiting to join right now.")).to_be_visible()


def remove_reply(page: Page, text: str, reason: str) -> None:
    """On the thread page: the facilitator actions of one reply, then Remove with a reason."""
    item = reply_item(page, text)
    item.locator("summary", has_text="Facilitator actions").click()
    item.get_by_label("Reason for removing").fill(reason)
    press(page, item.get_by_role("button", name="Remove this reply"))
    expect_flash(page, "The reply was removed.")


def resolve_report(page: Page, outcome: str) -> None:
    page.get_by_label("What was done").fill(outcome)
    press(page, page.get_by_role("button", name="Resolve"))
    expect_flash(page, "Report resolved.")
    expect(page.get_by_text("There are no open reports.")).to_be_visible()
