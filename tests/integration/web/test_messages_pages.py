"""Private messages in the web UI (issue 15, outreach): a facilitator reaches the person behind a held post, a
report or a member's name, the member answers, and each sees the other by the circle's names. Every form is sent
from the page that shows it."""

from __future__ import annotations

import re

import pytest

from circlefed.domain.moderation import ban_member
from circlefed.domain.pseudonyms import generated_display_name, pseudonym_name
from circlefed.federation.actions import perform
from circlefed.storage.models import (
    ContentRule,
    ContentRuleAction,
    Conversation,
    Message,
    Report,
    Thread,
    Visibility,
)
from tests.factories import approved_member, site_of
from tests.integration.web.conftest import HTML, sign_in
from tests.integration.web.member_world import circle, page, person, thread
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage
BASE = "/c/quiet/facilitate"
WRITE_LINK = re.compile(r'<a href="(/messages/new\?circle=\d+&amp;to=(\d+))">Write to them')


@pytest.fixture
async def quiet(settings, clock, db):
    """A members circle: zqfran facilitates, zqrobin and zqsam are members; zqnora is in no circle."""
    fran = await person(settings, "zqfran")
    made = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    people = {"zqfran": fran}
    for name in ("zqrobin", "zqsam", "zqnora"):
        people[name] = await person(settings, name)
    await approved_member(made, people["zqrobin"])
    await approved_member(made, people["zqsam"])
    return made, people


def _without_token(html: str) -> str:
    """A page without what differs on every request: its CSRF token and request id."""
    return re.sub(r'name="csrf_token" value="[^"]+"|<code>[0-9a-f]+</code>', "", html)


async def shown(circle_, actor) -> str:
    return generated_display_name(await pseudonym_name(circle_, actor))


def write_links(html: str) -> dict[int, str]:
    """Actor id -> the "Write to them" link's path, for each link of a page."""
    return {int(actor_id): path.replace("&amp;", "&") for path, actor_id in WRITE_LINK.findall(html)}


async def switch(client, name: str) -> None:
    client.session.cookie_jar.clear()
    await sign_in(client, name)


async def test_a_facilitator_writes_from_the_held_post_and_the_member_answers(client, quiet, settings, clock):
    circle_, people = quiet
    robin = people["zqrobin"]
    await ContentRule.create(pattern="hopeless", action=ContentRuleAction.HOLD)
    await thread(settings, clock, circle_, robin, "Night", "It all feels hopeless.")
    await sign_in(client, "zqfran")
    held = await page(client, f"{BASE}/held")
    robin_name = await shown(circle_, robin)
    assert f"{robin_name} (zqrobin)" in held, "facilitators see the account behind the circle's name"
    link = write_links(held)[robin.id]
    form_page = await page(client, link)
    assert f"Write to {robin_name} (zqrobin)" in form_page and "About the circle Quiet" in form_page
    sent = await submit(client, link, "Send message", {"body": "I saw your post. **How are you tonight?**"})
    assert sent.status == 303
    conversation_path = sent.headers["Location"].split("#")[0]

    await switch(client, "zqrobin")
    home = await page(client, "/")
    assert re.search(r'href="/messages">Messages <span class="badge">1<span class="visually-hidden"> unread', home)
    listing = await page(client, "/messages")
    fran_name = await shown(circle_, people["zqfran"])
    assert fran_name in listing and "new message" in listing and "About Quiet" in listing
    assert "zqfran" not in listing, "members never see a username in a confidential circle"
    conversation = await page(client, conversation_path)
    assert "<strong>How are you tonight?</strong>" in conversation and "zqfran" not in conversation
    assert f"where {fran_name} is a facilitator" in conversation
    assert 'class="badge">1' not in conversation, "opening the conversation reads it"
    answered = await submit(client, conversation_path, "Send message", {"body": "Thank you. A bit better now."})
    assert answered.status == 303

    await switch(client, "zqfran")
    mine = await page(client, conversation_path)
    assert mine.index("How are you tonight?") < mine.index("A bit better now."), "oldest first"
    assert f"Conversation with {robin_name} (zqrobin)" in mine
    again = await client.get(link, headers=HTML, allow_redirects=False)
    assert again.status == 303 and again.headers["Location"].startswith(conversation_path), "one conversation"


async def test_reports_and_members_pages_lead_to_the_people_they_name(client, quiet, settings, clock):
    circle_, people = quiet
    robin, sam = people["zqrobin"], people["zqsam"]
    reported = await thread(settings, clock, circle_, sam, "Tonight", "I will take them all tonight.")
    await Report.create(circle=circle_, reporter=robin, object_uri=reported.uri, reported_actor=sam,
                        reason="they said they'd overdose tonight", created_at=clock.now())
    await approved_member(circle_, people["zqnora"])
    await perform(site_of(settings), ban_member(site_of(settings), circle_, people["zqnora"], people["zqfran"],
                                                now=clock.now()), now=clock.now())
    await sign_in(client, "zqfran")
    reports_page = await page(client, f"{BASE}/reports")
    assert set(write_links(reports_page)) == {robin.id, sam.id}
    assert f"{await shown(circle_, sam)} (zqsam)" in reports_page
    members = await page(client, f"{BASE}/members")
    links = write_links(members)
    assert set(links) == {robin.id, sam.id, people["zqnora"].id}, "members and banned people, never oneself"
    sent = await submit(client, links[sam.id], "Send message", {"body": "Are you safe right now?"})
    assert sent.status == 303
    stored = await Message.get(source="Are you safe right now?").prefetch_related("conversation__circle")
    assert stored.conversation.circle.id == circle_.id, "the circle it was opened from is its context"


async def test_the_reply_form_keeps_the_text_on_errors_and_refuses_a_missing_token(client, quiet, settings, clock):
    circle_, people = quiet
    await sign_in(client, "zqfran")
    link = f"/messages/new?circle={circle_.id}&to={people['zqrobin'].id}"
    empty = await submit(client, link, "Send message", {"body": "   "})
    assert empty.status == 400 and "Your message is required." in await empty.text()
    assert await submit(client, link, "Send message", {"body": "Hello"}) is not None
    conversation = await Conversation.get()
    path = f"/messages/{conversation.id}"
    long_text = "zqkept " + "x" * 10_000
    too_long = await submit(client, path, "Send message", {"body": long_text})
    body = await too_long.text()
    assert too_long.status == 400 and "at most 10000 characters" in body and long_text in body
    no_token = await client.post(path, data={"body": "forged"}, headers=HTML, allow_redirects=False)
    assert no_token.status == 403
    assert await Message.filter(conversation_id=conversation.id).count() == 1


async def test_members_write_to_each_other_only_when_the_circle_allows_it(client, quiet, settings, clock):
    circle_, people = quiet
    sam = people["zqsam"]
    opening = await thread(settings, clock, circle_, sam, "Walks", "Walking helps me.")
    thread_path = f"/threads/{opening.id}"
    link = f"/messages/new?circle={circle_.id}&to={sam.id}"
    await sign_in(client, "zqrobin")
    assert sam.id not in write_links(await page(client, thread_path))
    refused = await client.get(link, headers=HTML)
    assert refused.status == 403 and "members write only to its facilitators" in await refused.text()
    circle_page = await page(client, "/c/quiet")
    assert set(write_links(circle_page)) == {people["zqfran"].id}, "members write to the facilitators"

    await switch(client, "zqfran")
    saved = await submit(client, f"{BASE}/settings", "Save settings", {"members_may_message": "on"})
    assert saved.status == 303
    log = await page(client, f"{BASE}/log")
    assert "changed whether members may write to each other" in log

    await switch(client, "zqrobin")
    assert write_links(await page(client, thread_path))[sam.id] == link
    assert (await submit(client, link, "Send message", {"body": "Which paths do you walk?"})).status == 303


async def test_a_banned_member_cannot_start_a_conversation_but_answers_the_facilitator(client, quiet, settings, clock):
    circle_, people = quiet
    robin, fran = people["zqrobin"], people["zqfran"]
    await perform(site_of(settings), ban_member(site_of(settings), circle_, robin, fran, now=clock.now()),
                  now=clock.now())
    await sign_in(client, "zqrobin")
    assert "Write to them" not in await page(client, "/c/quiet")
    refused = await client.get(f"/messages/new?circle={circle_.id}&to={fran.id}", headers=HTML)
    assert refused.status == 403 and "You are banned from this circle" in await refused.text()

    await switch(client, "zqfran")
    link = f"/messages/new?circle={circle_.id}&to={robin.id}"
    assert (await submit(client, link, "Send message", {"body": "I wanted to explain the ban."})).status == 303
    conversation = await Conversation.get()
    await switch(client, "zqrobin")
    answer = await submit(client, f"/messages/{conversation.id}", "Send message", {"body": "I understand."})
    assert answer.status == 303
    assert await Message.filter(conversation_id=conversation.id).count() == 2


async def test_a_conversation_is_missing_for_everyone_but_its_two_people(client, quiet, settings, clock):
    circle_, people = quiet
    await sign_in(client, "zqfran")
    link = f"/messages/new?circle={circle_.id}&to={people['zqrobin'].id}"
    assert (await submit(client, link, "Send message", {"body": "zqsecret words"})).status == 303
    conversation = await Conversation.get()
    await switch(client, "zqsam")
    hidden = await client.get(f"/messages/{conversation.id}", headers=HTML)
    missing = await client.get(f"/messages/{conversation.id + 1000}", headers=HTML)
    assert hidden.status == missing.status == 404
    assert _without_token(await hidden.text()) == _without_token(await missing.text())
    assert "zqsecret" not in await page(client, "/messages")
    await switch(client, "zqnora")
    outsider = await client.get(link, headers=HTML)
    assert outsider.status == 404, "someone outside the circle learns nothing of who is in it"
    assert not await Thread.exists(), "nothing of it became a post"
