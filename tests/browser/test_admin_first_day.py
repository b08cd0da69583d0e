"""Browser test: an administrator's first day, from `circlefed setup` to a circle with an invited member, then
account recovery; every step through the pages a person would use."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import journey_steps as steps
from tests.browser.helpers import create_account, log_in
from tests.browser.journey_steps import press
from tests.browser.test_journeys import open_page  # noqa: F401 - the fixture
from tests.factories import NEW_PASSWORD, PASSWORD

RULES = "1. What is shared in the circle stays in the circle.\n2. Speak from your own experience."


def test_setup_then_a_circle_from_the_web_an_invited_member_and_account_recovery(start_server, open_page):  # noqa: F811
    server = start_server("Riverside Peer Support")
    base = server.base_url
    admin, sam, robin = open_page("admin"), open_page("sam"), open_page("robin")
    log_in(admin, base, server.admin_name, server.admin_password)  # the password `circlefed setup` printed

    admin.goto(f"{base}/circles")
    press(admin, admin.get_by_role("link", name="Start a circle"))
    admin.get_by_label(re.compile(r"^Name")).fill("Living with pain")
    admin.get_by_label("Short name").fill("living_with_pain")
    admin.get_by_label("Description").fill("For people living with chronic pain.")
    admin.get_by_label("Ground rules").fill(RULES)
    admin.get_by_label("Who can see the circle").select_option("members")
    admin.get_by_label("Keep posts for how many days").fill("365")
    press(admin, admin.get_by_role("button", name="Start the circle"))
    assert admin.url == f"{base}/c/living_with_pain"
    steps.expect_flash(admin, "Living with pain is ready. You are its facilitator.")

    admin.goto(f"{base}/c/living_with_pain/facilitate/invites")
    admin.get_by_label("Note").fill("Sam, from the Tuesday group")
    press(admin, admin.get_by_role("button", name="Create invitation link"))
    link = admin.locator("#invite-link").input_value()
    assert link.startswith(f"{base}/invite/")

    sam.goto(link)
    expect(sam.get_by_role("heading", level=1)).to_have_text("You are invited to join Living with pain")
    press(sam, sam.get_by_role("link", name=re.compile("Create an account")))
    sam.get_by_label("Username").fill("sam")
    sam.get_by_label(steps.PASSWORD_FIELD).fill(PASSWORD)
    sam.get_by_label("Password again").fill(PASSWORD)
    expect(sam.locator(".rules-text")).to_contain_text("stays in the circle")
    sam.get_by_label("I have read and accept the ground rules").check()
    press(sam, sam.get_by_role("button", name="Create my account and join Living with pain"))
    assert sam.url == f"{base}/c/living_with_pain", "the invited person lands in the circle"
    steps.expect_flash(sam, "Welcome, sam. You are in Living with pain.")
    expect(sam.get_by_role("link", name="Start a thread")).to_be_visible()
    sam.goto(link)
    expect(sam.get_by_role("alert")).to_contain_text("This invitation is not valid")

    create_account(server, "robin", PASSWORD)
    admin.goto(f"{base}/admin/users")
    press(admin, admin.get_by_role("button", name="Disable robin"))
    robin.goto(f"{base}/login")
    robin.get_by_label("Username").fill("robin")
    robin.get_by_label(steps.PASSWORD_FIELD).fill(PASSWORD)
    press(robin, robin.get_by_role("button", name="Log in"))
    expect(robin.get_by_role("alert")).to_be_visible()  # a disabled account cannot sign in
    admin.goto(f"{base}/admin/users")
    press(admin, admin.get_by_role("button", name="Enable robin"))
    press(admin, admin.get_by_role("button", name="Password link for robin"))
    reset_link = admin.locator("#reset-link").input_value()
    robin.goto(reset_link)
    robin.get_by_label(re.compile(r"^New password(?! again)")).fill(NEW_PASSWORD)
    robin.get_by_label("New password again").fill(NEW_PASSWORD)
    press(robin, robin.get_by_role("button", name="Save the new password"))
    log_in(robin, base, "robin", NEW_PASSWORD)
