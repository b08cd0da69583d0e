"""The notifications page (/notifications) and its count in the navigation, driven through the real pages and
forms: a reply tells the thread's author, who marks one or all read; a member banned from (or who left) a members
circle sees only a neutral line, with nothing of the circle; facilitators are led to their queues."""

from __future__ import annotations

import re

import pytest

from circlefed.domain.pseudonyms import generated_display_name, pseudonym_name
from circlefed.storage.models import ContentRule, ContentRuleAction, Marker, Notification, Thread, Visibility
from tests.factories import approved_member
from tests.integration.web.conftest import HTML, sign_in
from tests.integration.web.member_world import circle, page, path_of, person
from tests.integration.web.page_forms import forms_on, pick, submit
from tests.integration.web.test_page_query_plans import Recorder, scanned_tables

pytestmark = pytest.mark.storage
LEFT = "Something happened in a circle you left."
BADGE = re.compile(r'href="/notifications">Notifications <span class="badge">(\d+)<span class="visually-hidden">')


@pytest.fixture
async def quiet(settings, clock, member):
    """A members circle: fran facilitates, robin (signed in by the tests) and sam are members, nora is not."""
    fran = await person(settings, "fran")
    made = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    people = {"fran": fran, "robin": await member.actor, "sam": await person(settings, "sam")}
    people["nora"] = await person(settings, "nora")
    await approved_member(made, people["robin"])
    await approved_member(made, people["sam"])
    return made, people


async def switch(client, name: str) -> None:
    client.session.cookie_jar.clear()
    await sign_in(client, name)


def unread_badge(html: str) -> int:
    """The navigation's unread notifications count (0: no badge)."""
    found = BADGE.search(html)
    return int(found.group(1)) if found else 0


def notices(html: str) -> list[str]:
    """Each notification's sentence as the page says it (tags and spaces folded)."""
    items = re.findall(r'<li class="queue-item[^"]*">\s*<p>(.*?)</p>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


def without_request_id(html: str) -> str:
    return re.sub(r"<code>[0-9a-f]+</code>", "", html)


def section(html: str, heading: str) -> str:
    """The part of the page under one h2 ("New", "Earlier", "Read")."""
    found = re.search(rf"<h2 id=\"\w+-heading\">{heading}</h2>(.*?)</section>", html, re.S)
    return found.group(1) if found else ""


async def start_thread(client, slug: str, title: str, body: str = "It was a hard week.") -> Thread:
    sent = await submit(client, f"/c/{slug}/new", "Post thread", {"title": title, "body": body})
    assert sent.status == 303, await sent.text()
    return await Thread.get(title=title)


async def reply(client, thread: Thread, body: str) -> None:
    sent = await submit(client, path_of(thread.uri), "Send reply", {"body": body})
    assert sent.status == 303, await sent.text()


async def test_a_reply_through_the_form_is_counted_in_the_navigation_and_listed_with_a_link(client, grief, settings):
    await approved_member(grief, await person(settings, "sam"))
    await sign_in(client)
    evenings = await start_thread(client, "grief", "Evenings")
    assert unread_badge(await page(client, "/")) == 0, "nobody is told of their own thread"

    await switch(client, "sam")
    await reply(client, evenings, "I hear you. Evenings are hard for me too.")
    await switch(client, "robin")
    home = await page(client, "/")
    assert unread_badge(home) == 1 and '<span class="badge">1<span class="visually-hidden"> unread' in home
    listing = await page(client, "/notifications")
    assert notices(section(listing, "New")) == ["sam replied to your thread Evenings in Grief circle."]
    link = re.search(r'<a href="([^"]+)">Evenings</a>', listing).group(1)
    assert link.startswith(path_of(evenings.uri)) and re.search(r"#post-\d+$", link)
    assert re.search(r'<time datetime="[^"]+" title="[^"]+ UTC">just now</time>', listing)
    assert "I hear you" in await page(client, link.split("#")[0]), "the link leads to the reply"


async def test_mark_one_read_then_all_and_the_read_marker_apps_share_moves(client, grief, settings):
    await approved_member(grief, await person(settings, "sam"))
    await sign_in(client)
    evenings = await start_thread(client, "grief", "Evenings")
    mornings = await start_thread(client, "grief", "Mornings")
    await switch(client, "sam")
    await reply(client, evenings, "Evenings are hard.")
    await reply(client, mornings, "Mornings too.")
    await switch(client, "robin")
    assert unread_badge(await page(client, "/notifications")) == 2

    marked = await submit(client, "/notifications", "Mark read", naming="Mornings")
    assert marked.status == 303 and marked.headers["Location"] == "/notifications"
    listing = await page(client, "/notifications")
    assert "Marked as read." in listing and unread_badge(listing) == 1
    assert [line.split(" thread ")[1] for line in notices(section(listing, "New"))] == ["Evenings in Grief circle."]
    assert [line.split(" thread ")[1] for line in notices(section(listing, "Earlier"))] == ["Mornings in Grief circle."]

    assert (await submit(client, "/notifications", "Mark all as read")).status == 303
    listing = await page(client, "/notifications")
    assert unread_badge(listing) == 0 and "Mark read" not in listing and len(notices(section(listing, "Read"))) == 2
    newest = await Notification.filter(account_id=(await Notification.first()).account_id).order_by("-id").first()
    assert (await Marker.get(timeline="notifications")).last_read_id == newest.id, "apps see them read too"

    await switch(client, "sam")
    await reply(client, evenings, "Still thinking of you.")
    await switch(client, "robin")
    assert unread_badge(await page(client, "/")) == 1, "what comes after is new again"


async def test_mark_all_read_leaves_what_came_after_the_page_was_loaded(client, grief, settings):
    await approved_member(grief, await person(settings, "sam"))
    await sign_in(client)
    evenings = await start_thread(client, "grief", "Evenings")
    await switch(client, "sam")
    await reply(client, evenings, "First.")
    await switch(client, "robin")
    loaded = await page(client, "/notifications")
    (form,) = [form for form in forms_on(loaded) if form.action == "/notifications/read"]
    await switch(client, "sam")
    await reply(client, evenings, "Second, after robin loaded the page.")
    await switch(client, "robin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page(client, "/")).group(1)
    stale = {**form.fields, "csrf_token": token}
    sent = await client.post("/notifications/read", data=stale, headers=HTML, allow_redirects=False)
    assert sent.status == 303
    assert unread_badge(await page(client, "/notifications")) == 1, "the second reply was not on the page"


async def test_the_forms_refuse_another_members_notification_a_missing_token_and_a_broken_form(client, grief, settings):
    sam = await person(settings, "sam")
    await approved_member(grief, sam)
    await sign_in(client, "sam")
    theirs = await start_thread(client, "grief", "Sam's thread")
    await switch(client, "robin")
    await reply(client, theirs, "Thinking of you.")
    (told,) = await Notification.all()
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page(client, "/notifications")).group(1)
    other = await client.post(f"/notifications/{told.id}/read", data={"csrf_token": token}, headers=HTML)
    missing = await client.post("/notifications/99999/read", data={"csrf_token": token}, headers=HTML)
    assert (other.status, missing.status) == (404, 404)
    assert without_request_id(await other.text()) == without_request_id(await missing.text())
    assert (await Notification.get(id=told.id)).read_at is None
    no_token = await client.post(f"/notifications/{told.id}/read", data={}, headers=HTML, allow_redirects=False)
    assert no_token.status == 403
    broken = await client.post("/notifications/read", data={"csrf_token": token, "up_to": "all"}, headers=HTML)
    assert broken.status == 400 and "open your notifications again" in await broken.text()


async def test_signed_out_readers_get_no_count_and_are_sent_to_log_in(client, grief):
    anonymous = await client.get("/notifications", headers=HTML, allow_redirects=False)
    assert anonymous.status == 303 and anonymous.headers["Location"] == "/login?next=%2Fnotifications"
    circle_page = await page(client, "/c/grief")
    assert 'href="/notifications"' not in circle_page, "the page kept for anonymous readers names no one's count"


async def test_a_member_banned_from_a_members_circle_sees_only_a_neutral_line(client, quiet, settings, clock):
    circle_, people = quiet
    await sign_in(client)
    sorrow = await start_thread(client, "quiet", "Secret sorrow", "Nobody at work knows about this.")
    await switch(client, "sam")
    await reply(client, sorrow, "Hollyhock helped me, I hope it helps you.")
    sam_name = generated_display_name(await pseudonym_name(circle_, people["sam"]))
    await switch(client, "robin")
    told = f"{sam_name} replied to your thread Secret sorrow in Quiet circle."
    assert notices(await page(client, "/notifications")) == [told]

    await switch(client, "fran")
    banned = await submit(client, f"/c/quiet/facilitate/members?ban={people['robin'].id}", "Ban", {"reason": "spam"})
    assert banned.status == 303
    await switch(client, "sam")
    await reply(client, sorrow, "Replied after the ban.")

    await switch(client, "robin")
    listing = await page(client, "/notifications")
    assert notices(listing) == [LEFT], "one line: nothing recorded of the reply after the ban"
    assert unread_badge(listing) == 1
    main = listing[listing.index("<main") :]
    secrets = ("Secret sorrow", "Hollyhock", "after the ban", "Quiet", "quiet", "/t/", "/threads/", sam_name, "sam")
    for secret in secrets:
        assert secret not in main, secret
    assert (await submit(client, "/notifications", "Mark read")).status == 303, "the neutral line can be read too"
    assert unread_badge(await page(client, "/notifications")) == 0


async def test_leaving_a_members_circle_leaves_a_neutral_line(client, quiet):
    await sign_in(client)
    sorrow = await start_thread(client, "quiet", "Secret sorrow")
    await switch(client, "sam")
    await reply(client, sorrow, "Hollyhock tea helps.")
    await switch(client, "robin")
    asked = await submit(client, "/c/quiet", "Leave this circle")
    confirm, _ = pick(await asked.text(), "Leave")
    left = await client.post(confirm.action, data=confirm.fields, headers=HTML, allow_redirects=False)
    assert (asked.status, left.status) == (200, 303), "asked to confirm (coming back needs approval), then left"
    listing = await page(client, "/notifications")
    assert notices(listing) == [LEFT]
    assert "Hollyhock" not in listing and "Secret sorrow" not in listing and "/c/quiet" not in listing


async def test_a_facilitator_is_led_to_the_join_requests_reports_and_held_posts(client, quiet, settings):
    circle_, people = quiet
    await sign_in(client)
    sorrow = await start_thread(client, "quiet", "Secret sorrow")
    await switch(client, "nora")
    assert (await submit(client, "/c/quiet", "Request to join")).status == 303
    await switch(client, "sam")
    reported = await submit(client, f"/threads/{sorrow.id}/report", "Send report", {"category": "ground_rules"})
    assert reported.status == 303
    await ContentRule.create(pattern="hopeless", action=ContentRuleAction.HOLD)
    await start_thread(client, "quiet", "Tonight", "It all feels hopeless.")

    await switch(client, "fran")
    listing = await page(client, "/notifications")
    assert unread_badge(listing) == 3
    lines = notices(listing)
    sam_name = generated_display_name(await pseudonym_name(circle_, people["sam"]))
    nora_name = generated_display_name(await pseudonym_name(circle_, people["nora"]))
    assert lines == [
        f"A post by {sam_name} (sam) in Quiet circle waits for your review: see the held posts.",
        "A report in Quiet circle waits for you: see the reports.",
        f"{nora_name} (nora) asks to join Quiet circle: see the join requests.",
    ]
    for queue, text in (("held", "the held posts"), ("reports", "the reports"), ("requests", "the join requests")):
        assert f'<a href="/c/quiet/facilitate/{queue}">{text}</a>' in listing
    assert "(nora)" in await page(client, "/c/quiet/facilitate/requests")

    approved = await submit(client, "/c/quiet/facilitate/requests", "Approve")
    assert approved.status == 303
    assert (await submit(client, "/c/quiet/facilitate/held", "Approve")).status == 303
    assert "asks to join" not in await page(client, "/notifications"), "an answered request is not offered again"
    await switch(client, "nora")
    assert notices(await page(client, "/notifications")) == [
        "You are a member of Quiet circle now: a facilitator approved your request."
    ]
    await switch(client, "sam")
    assert notices(await page(client, "/notifications")) == [
        "A facilitator approved your thread Tonight: it is published now."
    ]


async def test_the_navigation_count_is_one_indexed_query(client, grief, monkeypatch):
    await sign_in(client)
    dialect = Thread._meta.db.capabilities.dialect
    recorder = Recorder(monkeypatch, type(Thread._meta.db))
    recorder.on = True
    await page(client, "/circles")
    recorder.on = False
    counted = [(query, values) for query, values in recorder.queries if '"notifications"' in query]
    assert len(counted) == 1, counted
    assert await scanned_tables(*counted[0], dialect) == set()


async def test_the_author_of_a_declined_post_is_told_and_led_to_the_note(client, quiet):
    await sign_in(client, "sam")
    await ContentRule.create(pattern="hopeless", action=ContentRuleAction.HOLD)
    tonight = await start_thread(client, "quiet", "Tonight", "It all feels hopeless.")
    await switch(client, "fran")
    note = "We wrote to you in messages; let us talk there first."
    declined = await submit(client, "/c/quiet/facilitate/held", "Decline", {"reason": "crisis", "note": note})
    assert declined.status == 303
    await switch(client, "sam")
    listing = await page(client, "/notifications")
    told = "A facilitator declined your thread Tonight: it stays unpublished. Their note is with it."
    assert notices(listing) == [told]
    link = re.search(r'<a href="([^"]+)">Tonight</a>', listing).group(1)
    assert link == path_of(tonight.uri) and "We wrote to you in messages" in await page(client, link)
