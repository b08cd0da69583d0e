"""Browser tests: whole journeys of admins, facilitators and members through the pages, on one and two instances."""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import journey_steps as steps
from tests.browser import screens
from tests.browser.helpers import assert_accessible, create_account, log_in
from tests.browser.journey_steps import press, visit
from tests.browser.sweep import NOT_SWEPT, Sweep, ui_pages
from tests.factories import PASSWORD

README_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
UPDATE_SHOTS = "CIRCLEFED_UPDATE_SCREENSHOTS"  # =1: the journey rewrites the README's screenshots
README_VIEWPORT = {"width": 1000, "height": 860}

RULES = (
    "1. What is shared in the circle stays in the circle.\n"
    "2. Speak from your own experience; no medical advice.\n"
    "3. Be kind. Nobody has to reply, and anyone may just read."
)
THREAD_TITLE = "A bad flare this week"
THREAD_CW = "pain, low mood"
THREAD_BODY = "The flare started on Monday and I have hardly slept. How do you get through the nights?"
KIND_REPLY = "I listen to audiobooks and keep a heat pad ready. You are not alone in this."
ADVICE_REPLY = "Just stop taking your medication, that is what I did."


@pytest.fixture
def open_page(new_context, request: pytest.FixtureRequest) -> Iterator[Callable[[str], Page]]:
    """Factory: open_page("robin") -> a page with its own cookies, its visits saved under <test>/robin/."""
    folder = screens.folder_for(request.node.nodeid)
    shutil.rmtree(folder, ignore_errors=True)
    recorders: list[screens.ScreenshotRecorder] = []

    def open_(who: str) -> Page:
        page = new_context().new_page()
        recorders.append(screens.ScreenshotRecorder(page, folder / who))
        return page

    yield open_
    outcome = getattr(request.node, "rep_call", None)
    for recorder in recorders:
        recorder.finish(failed=outcome is not None and outcome.failed)


def readme_shot(page: Page, name: str) -> None:
    """With CIRCLEFED_UPDATE_SCREENSHOTS=1, save what is on screen (1000 px wide) as docs/screenshots/<name>."""
    if os.environ.get(UPDATE_SHOTS) != "1":
        return
    before = page.viewport_size
    page.set_viewport_size(README_VIEWPORT)
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(README_SHOTS / name))
    if before:
        page.set_viewport_size(before)


def test_a_newcomer_joins_a_members_circle_posts_and_a_facilitator_handles_a_report(start_server, open_page):
    server = start_server("Riverside Peer Support")
    base = server.base_url
    circle_url = f"{base}/c/members"

    admin = open_page("admin")
    visit(admin, f"{base}/login")
    log_in(admin, base, server.admin_name, server.admin_password)
    assert_accessible(admin)
    visit(admin, f"{base}/admin")
    steps.set_registration_mode(admin, base, "Anyone")

    create_account(server, "rowan", PASSWORD)
    server.cli(
        "circles",
        "create",
        "members",
        "--name",
        "Living with chronic pain",
        "--visibility",
        "members",
        "--description",
        "Everyday life with long-lasting pain: what helps, what does not.",
        "--facilitator",
        "rowan",
    )
    facilitator = open_page("facilitator")
    log_in(facilitator, base, "rowan", PASSWORD)
    visit(facilitator, f"{base}/facilitate")
    steps.set_ground_rules(facilitator, base, "members", RULES)

    robin = open_page("robin")
    steps.register(robin, base, "robin", PASSWORD)
    assert_accessible(robin)
    visit(robin, f"{base}/circles")
    steps.ask_to_join(robin, base, "members")
    create_account(server, "kai", PASSWORD)
    kai = open_page("kai")
    log_in(kai, base, "kai", PASSWORD)
    steps.ask_to_join(kai, base, "members")

    visit(facilitator, f"{base}/c/members/facilitate")
    steps.approve_requests(facilitator, base, "members", ["robin", "kai"])

    thread_url = steps.start_thread(robin, circle_url, THREAD_TITLE, THREAD_BODY, THREAD_CW)
    assert_accessible(robin)
    warning = robin.locator("#opening details")
    expect(warning.locator("summary")).to_have_text(f"Content warning: {THREAD_CW}")
    expect(warning).not_to_have_attribute("open", "")
    expect(robin.get_by_text(THREAD_BODY)).to_be_hidden()
    warning.locator("summary").click()
    expect(robin.get_by_text(THREAD_BODY)).to_be_visible()

    steps.reply(kai, thread_url, KIND_REPLY)
    visit(robin, circle_url)
    expect(robin.get_by_role("link", name=THREAD_TITLE)).to_be_visible()
    expect(robin.get_by_text(f"CW: {THREAD_CW}")).to_be_visible()
    readme_shot(robin, "circle.png")
    visit(robin, thread_url)
    readme_shot(robin, "thread.png")
    steps.reply(kai, thread_url, ADVICE_REPLY)
    steps.report(robin, thread_url, "Harmful advice", "This is medical advice, which our ground rules ask us not to "
                 "give.", ADVICE_REPLY)

    visit(facilitator, f"{base}/c/members/facilitate/reports")
    report = facilitator.locator(".queue-item").filter(has_text="which our ground rules ask us not to give")
    expect(report).to_contain_text("Why: Harmful advice")
    expect(report).to_contain_text("medical advice")
    expect(report).to_contain_text(ADVICE_REPLY)
    readme_shot(facilitator, "reports.png")
    press(facilitator, report.get_by_role("link", name="See it in the thread"))
    assert_accessible(facilitator)
    steps.remove_reply(facilitator, ADVICE_REPLY, "Medical advice (ground rule 2).")
    expect(steps.reply_item(facilitator, "This reply was removed.")).to_have_count(1)
    visit(facilitator, f"{base}/c/members/facilitate/reports")
    steps.resolve_report(facilitator, "Removed the reply and reminded its author of ground rule 2.")
    visit(facilitator, f"{base}/c/members/facilitate/log")
    expect(facilitator.get_by_text("Removed the reply and reminded its author")).to_be_visible()

    visit(robin, thread_url)
    expect(robin.get_by_text(ADVICE_REPLY)).to_have_count(0)
    expect(robin.get_by_text(KIND_REPLY)).to_be_visible()

    steps.block_domain(admin, base, "spam.example", "Sends unsolicited advertising.")


def test_a_member_joins_a_circle_on_another_instance_by_handle_and_posts_there(two_servers, open_page):
    first, second = two_servers
    visitor = open_page("visitor-on-a")
    visit(visitor, first.url("/c/welcome"))
    handle = visitor.locator(".handle").inner_text().strip()
    assert handle.endswith(f"@{first.domain}"), handle

    create_account(second, "sage", PASSWORD)
    sage = open_page("sage-on-b")
    log_in(sage, second.base_url, "sage", PASSWORD)
    steps.join_by_handle(sage, second.base_url, handle)
    remote_circle = sage.url
    start = sage.get_by_role("link", name="Start a thread")
    steps.wait_until(sage, remote_circle, start.is_visible, f"{first.name} accepting sage into its welcome circle")
    assert_accessible(sage)

    title = "Hello from the other instance"
    steps.start_thread(sage, remote_circle, title, "Glad to find this circle. I mostly read for now.")
    assert_accessible(sage)
    thread_link = visitor.get_by_role("link", name=title)
    steps.wait_until(visitor, first.url("/c/welcome"), thread_link.is_visible, f"sage's thread reaching {first.name}")
    expect(visitor.locator(".threads li").filter(has=thread_link)).to_contain_text(second.domain)
    assert_accessible(visitor)
    press(visitor, thread_link)
    expect(visitor.get_by_text("Glad to find this circle.")).to_be_visible()
    assert_accessible(visitor)


def app_consent_path(base: str) -> str:
    """The consent page an app sends a member to, for an app registered through the API as apps do."""
    fields = {"client_name": "Pocket app", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write"}
    request = urllib.request.Request(f"{base}/api/v1/apps", data=urllib.parse.urlencode(fields).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        client_id = json.loads(response.read())["client_id"]
    query = {"client_id": client_id, "redirect_uri": fields["redirect_uris"], "response_type": "code", "scope": "read"}
    return f"/oauth/authorize?{urllib.parse.urlencode(query)}"


def test_every_page_passes_axe_core_with_content_on_it(start_server, open_page):
    server = start_server("Riverside Peer Support")
    base = server.base_url
    sweep = Sweep(base)
    admin, quinn, visitor = open_page("admin"), open_page("quinn"), open_page("visitor")
    log_in(admin, base, server.admin_name, server.admin_password)

    sweep.check(admin, "/admin/settings", "/admin/settings")
    radios = admin.eval_on_selector_all("input[type=radio]", "els => els.map(e => e.getBoundingClientRect().width)")
    assert radios and max(radios) < 48, f"radio buttons as wide as text fields: {radios}"
    admin.get_by_label("Crisis resources").fill("Samaritans: call 116 123, day or night.\nEmergency: 112")
    press(admin, admin.get_by_role("button", name="Save settings"))
    sweep.check(admin, "/c/{slug}/facilitate/settings", "/c/welcome/facilitate/settings")
    admin.get_by_label("A facilitator approves each request to join").check()
    press(admin, admin.get_by_role("button", name="Save settings"))

    create_account(server, "quinn", PASSWORD)
    admin.goto(f"{base}/admin/users")
    press(admin, admin.get_by_role("button", name="Password link for quinn"))
    reset_link = admin.locator("#reset-link").input_value()
    sweep.check(visitor, "/reset/{token}", reset_link.removeprefix(base))
    sweep.check(visitor, "/reset", "/reset", status=404)  # no [mail] here: the page says to ask an admin
    log_in(quinn, base, "quinn", PASSWORD)
    steps.ask_to_join(quinn, base, "welcome")
    sweep.check(admin, "/c/{slug}/facilitate/requests", "/c/welcome/facilitate/requests")
    steps.approve_requests(admin, base, "welcome", ["quinn"])

    admin.goto(f"{base}/c/welcome/new")
    admin.get_by_label("Title").fill(THREAD_TITLE)
    admin.get_by_label("Your text").fill(THREAD_BODY)
    press(admin, admin.get_by_role("button", name="Preview"))
    sweep.check(admin, "/c/{slug}/new")
    thread_url = steps.start_thread(admin, f"{base}/c/welcome", THREAD_TITLE, THREAD_BODY, THREAD_CW)
    steps.reply(admin, thread_url, "Thank you all for being here.")
    steps.reply(quinn, thread_url, KIND_REPLY)
    quinn.get_by_label("Your reply").fill("Some nights I am afraid I will hurt myself.")
    press(quinn, quinn.get_by_role("button", name="Send reply"))
    expect(quinn.get_by_role("heading", level=1)).to_have_text("Your post is waiting for a facilitator")
    sweep.check(quinn, "/posting/care")
    steps.report(quinn, thread_url, "Breaks the ground rules", "Please add a content warning to the title too.")
    sweep.check(quinn, "/t/{token}")
    report_forms = {route: quinn.locator(f"{where} form[action$='/report']").first.get_attribute("action")
                    for route, where in [("/threads/{thread_id}/report", "#opening"),
                                         ("/posts/{post_id}/report", "ol.posts > li")]}
    for route, action in report_forms.items():
        sweep.check(quinn, route, action)
    sweep.check(quinn, "403 page", "/admin", status=403)
    sweep.check(quinn, "404 page", "/c/no-such-circle", status=404)
    sweep.check(quinn, "/search", "/search?q=thank&circle=welcome")  # results, words marked, within a circle

    visitor.goto(f"{base}/register")
    sweep.check(visitor, "/register")
    visitor.get_by_label("Username").fill("waiting_person")
    visitor.get_by_label(steps.PASSWORD_FIELD).fill(PASSWORD)
    visitor.get_by_label("Password again").fill(PASSWORD)
    visitor.get_by_label("A few words for the admins").fill("A friend told me about the welcome circle.")
    press(visitor, visitor.get_by_role("button", name="Ask to join"))
    sweep.check(visitor, "registered (waiting for approval)")
    for route, path in [("/login", "/login"), ("/", "/"), ("/c/{slug}", "/c/welcome"), ("/circles", "/circles")]:
        sweep.check(visitor, route, path)

    admin.goto(f"{base}/admin/invites")
    press(admin, admin.get_by_role("button", name="Create invitation link"))
    sweep.check(admin, "/admin/invites")
    # The link shown once: a Copy button (JavaScript) beside the field, which stays selectable without it.
    admin.get_by_role("button", name="Copy the invitation link").click()
    expect(admin.locator("#invite-link ~ [role=status]")).to_have_text(re.compile(r"Copied\.|Selected: press"))
    assert admin.locator("#invite-link").get_attribute("readonly") is not None
    admin.goto(f"{base}/c/welcome/facilitate/invites")
    press(admin, admin.get_by_role("button", name="Create invitation link"))
    sweep.check(admin, "/c/{slug}/facilitate/invites")
    circle_link = admin.locator("#invite-link").input_value()
    sweep.check(visitor, "/invite/{token}", circle_link.removeprefix(base))
    sweep.check(admin, "/circles/new", "/circles/new")
    admin.goto(f"{base}/admin/content-rules")
    admin.get_by_label("Word or pattern").fill("miracle cure")
    press(admin, admin.get_by_role("button", name="Add rule"))
    sweep.check(admin, "/admin/content-rules")
    steps.block_domain(admin, base, "spam.example", "Sends unsolicited advertising.")
    sweep.check(admin, "/admin/federation")
    sweep.check(admin, "/oauth/authorize", app_consent_path(base))

    admin.goto(thread_url)
    edit_thread = admin.locator("#opening").get_by_role("link", name="Edit")
    by_id = (edit_thread.get_attribute("href") or "").removesuffix("/edit")
    press(admin, edit_thread)
    sweep.check(admin, "/threads/{thread_id}/edit")
    admin.goto(thread_url)
    press(admin, steps.reply_item(admin, "Thank you all").get_by_role("link", name="Edit"))
    sweep.check(admin, "/posts/{post_id}/edit")
    post_id = admin.url.split("/posts/")[1].split("/")[0]
    admin.get_by_label("Your text").fill("Thank you all for being here, every one of you.")
    press(admin, admin.get_by_role("button", name="Save changes"))
    sweep.check(admin, "/c/{slug}/facilitate/history", f"/c/welcome/facilitate/history?kind=post&id={post_id}")
    sweep.check(admin, "/threads/{thread_id}", by_id)
    for route in [
        "/",
        "/circles",
        "/c/{slug}",
        "/u/{name}",
        "/account",
        "/account/password",
        "/account/delete",
        "/notifications",
        "/facilitate",
        "/c/{slug}/facilitate",
        "/c/{slug}/facilitate/held",
        "/c/{slug}/facilitate/reports",
        "/c/{slug}/facilitate/members",
        "/c/{slug}/facilitate/rules",
        "/c/{slug}/facilitate/log",
        "/admin",
        "/admin/users",
        "/admin/deliveries",
        "/admin/log",
    ]:
        sweep.check(admin, f"{route} (admin)", route.replace("{slug}", "welcome").replace("{name}", "admin"))

    assert not sweep.failures, "\n\n".join(sweep.failures)
    swept = {route.removesuffix(" (admin)") for route in sweep.checked}
    missing = ui_pages() - swept - set(NOT_SWEPT)
    assert not missing, f"pages the sweep does not open yet: {sorted(missing)}"


CRISIS_POST = "I have decided to end my life this weekend."


def test_a_member_in_crisis_is_held_reached_by_a_facilitator_and_told_the_decision(start_server, open_page):
    """Issue 15: a member posts in crisis words -> the page that follows is a redirect (a reload posts nothing
    again) -> the facilitator opens the held post, sees who wrote it, writes to them -> the member answers ->
    the facilitator declines the post with a note -> the member sees the note on their post."""
    server = start_server("Riverside Peer Support")
    base = server.base_url
    create_account(server, "rowan", PASSWORD)
    create_account(server, "quinn", PASSWORD)
    server.cli("circles", "create", "quiet", "--name", "Quiet hours", "--visibility", "members",
               "--facilitator", "rowan")
    facilitator, member = open_page("facilitator"), open_page("member")
    log_in(facilitator, base, "rowan", PASSWORD)
    log_in(member, base, "quinn", PASSWORD)
    steps.set_ground_rules(facilitator, base, "quiet", RULES)
    steps.ask_to_join(member, base, "quiet")
    steps.approve_requests(facilitator, base, "quiet", ["quinn"])

    visit(member, f"{base}/c/quiet/new")
    member.get_by_label("Title").fill("This weekend")
    member.get_by_label("Your text").fill(CRISIS_POST)
    press(member, member.get_by_role("button", name="Post thread"))
    expect(member.get_by_role("heading", level=1)).to_have_text("Your post is waiting for a facilitator")
    assert "/posting/care" in member.url, "the answer to the POST is a redirect"
    member.reload()
    expect(member.get_by_role("heading", level=1)).to_have_text("Your post is waiting for a facilitator")
    expect(member.get_by_text("Support right now")).to_be_visible()
    assert_accessible(member)

    visit(facilitator, f"{base}/c/quiet/facilitate/held")
    held = facilitator.locator(".queue-item").filter(has_text=CRISIS_POST)
    expect(held).to_have_count(1), "one held post, however often the member reloaded"
    expect(held).to_contain_text("(quinn)")  # the account behind the circle's name, for its facilitators
    press(facilitator, held.get_by_role("link", name="Write to them"))
    facilitator.get_by_label("Your message").fill("I read your post. I am here, and I would like to talk.")
    press(facilitator, facilitator.get_by_role("button", name="Send message"))
    assert_accessible(facilitator)

    visit(member, f"{base}/messages")
    press(member, member.get_by_role("link").filter(has_text="Member").first)
    expect(member.get_by_text("I would like to talk.")).to_be_visible()
    member.get_by_label("Your message").fill("Thank you. It helps that someone noticed.")
    press(member, member.get_by_role("button", name="Send message"))

    visit(facilitator, f"{base}/messages")
    press(facilitator, facilitator.get_by_role("link").filter(has_text="quinn").first)
    expect(facilitator.get_by_text("It helps that someone noticed.")).to_be_visible()

    visit(facilitator, f"{base}/c/quiet/facilitate/held")
    held = facilitator.locator(".queue-item").filter(has_text=CRISIS_POST)
    held.get_by_label("A note for the author").fill("We spoke in messages; let us keep talking there.")
    press(facilitator, held.get_by_role("button", name="Decline"))
    expect(facilitator.get_by_text("Nothing is waiting for review.")).to_be_visible()

    visit(member, f"{base}/c/quiet")
    press(member, member.get_by_role("link", name="This weekend"))
    expect(member.get_by_text("declined by a facilitator")).to_be_visible()
    expect(member.get_by_text("let us keep talking there")).to_be_visible()
    assert_accessible(member)
