"""Facilitator pages: queues, reports, content controls, members and bans, rules, settings and the log."""

from __future__ import annotations

import re

import pytest

from circlefed.domain import reports
from circlefed.domain.memberships import request_join
from circlefed.domain.replies import reply
from circlefed.domain.threads import start_thread
from circlefed.errors import Forbidden
from circlefed.storage.models import (
    Actor,
    CircleBan,
    Delivery,
    Membership,
    MembershipState,
    ModerationLogEntry,
    Post,
    Report,
    ReportState,
    ReviewState,
    Thread,
    Visibility,
)
from tests.factories import approved_member, local_circle, local_person, remote_person, site_of, started_thread
from tests.integration.web.conftest import HTML, post_form, sign_in

pytestmark = pytest.mark.storage

BASE = "/c/grief/facilitate"
PAGES = ["", "/requests", "/held", "/reports", "/members", "/rules", "/settings", "/log"]
POSTS = [
    "/requests/approve",
    "/requests/reject",
    "/held/approve",
    "/held/reject",
    "/reports/resolve",
    "/remove",
    "/lock",
    "/pin",
    "/ban",
    "/unban",
    "/facilitator",
    "/rules",
    "/settings",
]


class World:
    def __init__(self, settings, clock, circle, fran, robin):
        self.site, self.clock, self.circle, self.fran, self.robin = site_of(settings), clock, circle, fran, robin

    async def thread(self, title: str = "Hard week", author: Actor | None = None, **fields) -> Thread:
        author = author or self.robin
        thread = await started_thread(
            self.site, self.circle, author, title=title, source=f"{title}: some words", now=self.clock.now()
        )
        if fields:
            await thread.update_from_dict(fields).save()
        return thread

    async def person(self, name: str) -> Actor:
        return await local_person(self.site, name)


@pytest.fixture
async def world(settings, clock, member, db):
    site = site_of(settings)
    fran = await local_person(site, "fran")
    robin = await member.actor
    circle = await local_circle(site, "grief", fran)
    await approved_member(circle, robin)
    return World(settings, clock, circle, fran, robin)


async def as_fran(client):
    await sign_in(client, "fran")


async def act(client, path: str, data: dict):
    return await post_form(client, BASE + path, data, page="/facilitate")


async def log_actions(world) -> list[str]:
    return [e.action for e in await ModerationLogEntry.filter(circle_id=world.circle.id).order_by("id")]


async def test_a_member_who_is_not_a_facilitator_gets_403_on_every_page_and_form(client, world):
    for path in PAGES:  # signed out: to the login page first
        response = await client.get(BASE + path, headers=HTML, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"].startswith("/login")
    await sign_in(client)
    for path in PAGES:
        response = await client.get(BASE + path, headers=HTML, allow_redirects=False)
        assert response.status == 403, path
        assert "for the circle&#39;s facilitators" in await response.text()
    thread = await world.thread()
    for path in POSTS:
        data = {"thread_id": thread.id, "actor_id": world.fran.id, "id": thread.id, "kind": "thread"}
        response = await post_form(client, BASE + path, data, page="/account")
        assert response.status == 403, path
    assert (await Thread.get(id=thread.id)).deleted_at is None and await log_actions(world) == []
    index = await (await client.get("/facilitate", headers=HTML)).text()
    assert "You do not facilitate any circle" in index and "Grief" not in index


async def test_the_facilitate_page_lists_circles_with_what_waits(client, world):
    await request_join(world.circle, await world.person("kim"), now=world.clock.now())  # public, open: joins
    world.circle.requires_approval = True
    await world.circle.save()
    await request_join(world.circle, await world.person("sam"), now=world.clock.now())
    await world.thread("Held one", review_state=ReviewState.HELD)
    await as_fran(client)
    page = await (await client.get("/facilitate", headers=HTML)).text()
    assert "Grief" in page and "1 join request<" in page and "1 held post<" in page and "0 open reports" in page


async def test_the_facilitator_navigation_counts_what_waits_on_every_page(client, world):
    world.circle.requires_approval = True
    await world.circle.save()
    await request_join(world.circle, await world.person("sam"), now=world.clock.now())
    await world.thread("Held one", review_state=ReviewState.HELD)
    await world.thread("Held two", review_state=ReviewState.HELD)
    kim = await world.person("kim")
    await approved_member(world.circle, kim)
    reported = await world.thread("Reported")
    await reports.file_report(world.circle, kim, object_uris=[reported.uri], category="spam", now=world.clock.now())
    await as_fran(client)
    for path in PAGES:
        text = await (await client.get(BASE + path, headers=HTML)).text()
        nav = re.search(r'<nav class="facilitate-nav".*?</nav>', text, re.DOTALL).group(0)
        read = " ".join(re.sub(r"<[^>]+>", " ", nav).split())
        assert "Join requests 1 waiting Held posts 2 waiting Reports 1 open Members" in read, (path, read)


async def test_join_requests_are_approved_and_declined_with_a_reason(client, world):
    world.circle.requires_approval = True
    await world.circle.save()
    kim, sam = await world.person("kim"), await world.person("sam")
    for person in (kim, sam):
        await request_join(world.circle, person, now=world.clock.now())
    await as_fran(client)
    page = await (await client.get(BASE + "/requests", headers=HTML)).text()
    assert "kim" in page and "sam" in page
    response = await act(client, "/requests/approve", {"actor_id": kim.id})
    assert response.status == 303 and response.headers["Location"] == BASE + "/requests"
    response = await act(client, "/requests/reject", {"actor_id": sam.id, "reason": "asked to wait a month"})
    assert response.status == 303
    states = {m.actor_id: m.state for m in await Membership.filter(circle_id=world.circle.id)}
    assert states[kim.id] is MembershipState.APPROVED and states[sam.id] is MembershipState.REJECTED
    entries = await ModerationLogEntry.filter(circle_id=world.circle.id).order_by("id")
    assert [(e.action, e.reason) for e in entries] == [("approve_join", ""), ("reject_join", "asked to wait a month")]
    page = await (await client.get(BASE + "/requests", headers=HTML)).text()
    assert "Request declined." in page and "No one is waiting" in page


async def test_a_held_post_is_shown_with_why_and_approved_becomes_visible(client, world):
    thread = await world.thread("Held one", review_state=ReviewState.HELD, review_reason="crisis words")
    await as_fran(client)
    page = await (await client.get(BASE + "/held", headers=HTML)).text()
    assert "Held one" in page and "crisis words" in page and "robin" in page
    response = await act(client, "/held/approve", {"kind": "thread", "id": thread.id})
    assert response.status == 303
    assert (await Thread.get(id=thread.id)).review_state is ReviewState.VISIBLE
    assert "Nothing is waiting" in await (await client.get(BASE + "/held", headers=HTML)).text()
    assert await log_actions(world) == ["approve_post"]


async def test_a_report_shows_the_post_and_is_resolved_with_an_outcome(client, world):
    thread = await world.thread("Unkind words")
    kim = await world.person("kim")
    await approved_member(world.circle, kim)
    await reports.file_report(
        world.circle,
        kim,
        object_uris=[thread.uri],
        reported_actor=world.robin,
        category="harassment",
        reason="this hurt",
        now=world.clock.now(),
    )
    report = await Report.get()
    await as_fran(client)
    page = await (await client.get(BASE + "/reports", headers=HTML)).text()
    assert "Report from kim" in page and "this hurt" in page and "Unkind words: some words" in page
    assert "Written by robin" in page
    missing = await act(client, "/reports/resolve", {"report_id": report.id, "outcome": "  "})
    assert missing.status == 400 and "What was done is required." in await missing.text()
    response = await act(client, "/reports/resolve", {"report_id": report.id, "outcome": "talked with robin"})
    assert response.status == 303
    report = await Report.get(id=report.id)
    assert report.state is ReportState.RESOLVED and report.outcome == "talked with robin"
    assert await log_actions(world) == ["resolve_report"]


async def test_the_reports_queue_is_paged_and_each_report_appears_once(client, world):
    kim = await world.person("kim")
    await approved_member(world.circle, kim)
    for number in range(30):
        thread = await world.thread(f"Thread {number}")
        await reports.file_report(
            world.circle, kim, object_uris=[thread.uri], category="other", reason=f"reason-{number}-end",
            now=world.clock.now(),
        )
    await as_fran(client)
    seen, pages, url = [], 0, BASE + "/reports"
    while url:
        pages += 1
        page = await (await client.get(url, headers=HTML)).text()
        seen += re.findall(r"reason-(\d+)-end", page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert pages == 2, "25 reports a page"
    assert sorted(seen, key=int) == [str(number) for number in range(30)]


async def test_a_ban_that_removes_posts_then_an_unban(client, world):
    thread = await world.thread("Robin's thread")
    other = await world.thread("Fran's thread", author=world.fran)
    answer = (await reply(world.site, other, world.robin, source="a reply", now=world.clock.now())).post
    await as_fran(client)
    page = await (await client.get(BASE + f"/members?ban={world.robin.id}", headers=HTML)).text()
    assert "Ban robin" in page and 'for="remove_data"' in page
    bad = await act(client, "/ban", {"actor_id": world.robin.id, "expiry_days": "soon"})
    assert bad.status == 400 and 'id="expiry_days-error"' in await bad.text()
    data = {"actor_id": world.robin.id, "reason": "harassment", "expiry_days": "7", "remove_data": "on"}
    response = await act(client, "/ban", data)
    assert response.status == 303
    assert (await Thread.get(id=thread.id)).deleted_at is not None
    assert (await Post.get(id=answer.id)).deleted_at is not None
    assert (await Thread.get(id=other.id)).deleted_at is None
    ban = await CircleBan.get(circle_id=world.circle.id, actor_id=world.robin.id)
    assert ban.remove_data and ban.reason == "harassment" and ban.expires_at is not None
    members = await (await client.get(BASE + "/members", headers=HTML)).text()
    assert "2 of their posts were removed" in members
    listed, banned = members.split("<h2>Bans</h2>")
    assert "robin" not in listed, "a banned member is no member while the ban lasts"
    assert re.search(r"robin</strong> — banned\s*until", banned)
    with pytest.raises(Forbidden):
        await start_thread(world.site, world.circle, world.robin, title="x", source="y", now=world.clock.now())
    assert (await act(client, "/unban", {"actor_id": world.robin.id})).status == 303
    assert not await CircleBan.exists(circle_id=world.circle.id)
    assert await log_actions(world) == ["remove_thread", "remove_reply", "ban_member", "unban_member"]


async def test_a_locked_thread_refuses_replies_and_can_be_unlocked(client, world):
    thread = await world.thread()
    await as_fran(client)
    response = await act(client, "/lock", {"thread_id": thread.id, "locked": "1", "next": f"/threads/{thread.id}"})
    assert response.status == 303 and response.headers["Location"] == f"/threads/{thread.id}"
    with pytest.raises(Forbidden, match="locked"):
        await reply(world.site, await Thread.get(id=thread.id), world.robin, source="hi", now=world.clock.now())
    await act(client, "/lock", {"thread_id": thread.id, "locked": "0"})
    assert not (await Thread.get(id=thread.id)).is_locked
    assert await log_actions(world) == ["lock_thread", "unlock_thread"]


async def test_pinning_moves_a_thread_first(client, world):
    older = await world.thread("Older")
    world.clock.advance(60)
    await world.thread("Newer")
    await as_fran(client)
    assert (await act(client, "/pin", {"thread_id": older.id, "pinned": "1"})).status == 303
    assert (await Thread.get(id=older.id)).is_pinned
    page = await (await client.get("/c/grief", headers=HTML)).text()
    assert page.index("Older") < page.index("Newer")
    await act(client, "/pin", {"thread_id": older.id, "pinned": "0"})
    assert await log_actions(world) == ["pin_thread", "unpin_thread"]


async def test_rules_changed_with_reacknowledgement_bump_the_version(client, world):
    await as_fran(client)
    assert (await act(client, "/rules", {"rules": "Be kind."})).status == 303
    await world.circle.refresh_from_db()
    assert world.circle.rules_source == "Be kind." and world.circle.rules_version == 1
    assert (await act(client, "/rules", {"rules": "Be kind. No advice.", "reacknowledge": "on"})).status == 303
    await world.circle.refresh_from_db()
    assert world.circle.rules_version == 2
    page = await (await client.get(BASE + "/rules", headers=HTML)).text()
    assert "Be kind. No advice." in page and "version 2" in page
    assert await log_actions(world) == ["set_rules", "set_rules"]


async def test_visibility_is_limited_to_allowed_levels_and_retention_is_set(client, world):
    await as_fran(client)
    page = await (await client.get(BASE + "/settings", headers=HTML)).text()
    assert 'value="members"' in page and 'value="public"' in page  # the current level stays offered
    response = await act(client, "/settings", {"name": "Grief", "visibility": "members", "retention_days": "30"})
    assert response.status == 303
    await world.circle.refresh_from_db()
    assert world.circle.visibility is Visibility.MEMBERS and world.circle.retention_days == 30
    assert world.circle.requires_approval
    refused = await act(client, "/settings", {"name": "Grief", "visibility": "public", "retention_days": "30"})
    text = await refused.text()
    assert refused.status == 400 and "Facilitators may not make a circle public" in text
    assert 'aria-describedby="visibility-help visibility-error"' in text
    bad = await act(client, "/settings", {"name": "Grief", "visibility": "members", "retention_days": "-3"})
    assert bad.status == 400 and 'id="retention_days-error"' in await bad.text()
    await world.circle.refresh_from_db()
    assert world.circle.visibility is Visibility.MEMBERS
    await act(client, "/settings", {"name": "Grief", "visibility": "members", "retention_days": ""})
    await world.circle.refresh_from_db()
    assert world.circle.retention_days is None
    assert await log_actions(world) == ["set_visibility", "set_retention", "set_retention"]


async def test_every_action_appears_in_the_circle_log_page(client, world):
    thread = await world.thread("Log me")
    answer = (await reply(world.site, thread, world.robin, source="reply", now=world.clock.now())).post
    await as_fran(client)
    await act(client, "/remove", {"post_id": answer.id, "reason": "off topic"})
    await act(client, "/lock", {"thread_id": thread.id, "locked": "1"})
    await act(client, "/pin", {"thread_id": thread.id, "pinned": "1"})
    await act(client, "/facilitator", {"actor_id": world.robin.id, "facilitator": "1"})
    await act(client, "/facilitator", {"actor_id": world.robin.id, "facilitator": "0"})
    await act(client, "/rules", {"rules": "Be kind."})
    opened = {"name": "Grief", "visibility": "public", "retention_days": "90", "requires_approval": "on"}
    await act(client, "/settings", opened)
    await act(client, "/remove", {"thread_id": thread.id, "reason": "closing"})
    await act(client, "/ban", {"actor_id": world.robin.id, "reason": "spam"})
    page = await (await client.get(BASE + "/log", headers=HTML)).text()
    shown = re.findall(r'data-action="([a-z_]+)"', page)
    expected = [
        "remove_reply",
        "lock_thread",
        "pin_thread",
        "add_facilitator",
        "remove_facilitator",
        "set_rules",
        "set_retention",
        "set_join_approval",
        "remove_thread",
        "ban_member",
    ]
    assert shown == list(reversed(expected)) == list(reversed(await log_actions(world)))
    assert "off topic" in page and "fran</strong>" in page and "“Log me”" not in page  # the title was removed


async def test_the_log_is_paged_newest_first(client, world):
    for number in range(30):
        world.clock.advance(1)
        await act_direct(world, number)
    await as_fran(client)
    first = await (await client.get(BASE + "/log", headers=HTML)).text()
    assert first.count("data-action=") == 25 and "note 29" in first and "note 4<" not in first
    later = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = await (await client.get(later, headers=HTML)).text()
    assert second.count("data-action=") == 5 and "note 0" in second and "note 29" not in second


async def act_direct(world, number: int) -> None:
    await ModerationLogEntry.create(
        circle=world.circle,
        moderator=world.fran,
        action="lock_thread",
        reason=f"note {number}",
        created_at=world.clock.now(),
    )


async def test_a_removal_through_the_page_federates_to_a_remote_member(client, world):
    remote = await remote_person("sam", "peer.example", shared_inbox_uri="https://peer.example/inbox")
    await approved_member(world.circle, remote)
    thread = await world.thread("Going away")
    before = await Delivery.filter(inbox_uri__startswith="https://peer.example/").count()
    await as_fran(client)
    assert (await act(client, "/remove", {"thread_id": thread.id, "reason": "privacy"})).status == 303
    deliveries = await Delivery.filter(inbox_uri__startswith="https://peer.example/").select_related("activity")
    assert len(deliveries) > before
    assert any(d.activity.type in ("Delete", "Announce") and "Delete" in str(d.activity.payload) for d in deliveries)


async def test_the_thread_page_shows_the_controls_to_facilitators_only(client, world):
    thread = await world.thread("Controls")
    answer = (await reply(world.site, thread, world.robin, source="a reply", now=world.clock.now())).post
    await as_fran(client)
    page = await (await client.get(f"/threads/{thread.id}", headers=HTML)).text()
    assert page.count("Facilitator actions") == 2 and 'for="remove-reason-t' in page and "Lock thread" in page
    assert f'href="{BASE}/members?ban={world.robin.id}#ban"' in page
    response = await post_form(client, BASE + "/remove", {"post_id": answer.id, "next": f"/threads/{thread.id}"},
                               page=f"/threads/{thread.id}")
    assert response.status == 303 and response.headers["Location"] == f"/threads/{thread.id}"
    await sign_in(client)
    assert "Facilitator actions" not in await (await client.get(f"/threads/{thread.id}", headers=HTML)).text()
