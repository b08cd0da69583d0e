"""Private messages in the domain: who may write to whom in a circle (issue 15, outreach), unread marks, and what a
remote party's message becomes when it is stored."""

from __future__ import annotations

import pytest

from circlefed.domain import circle_settings
from circlefed.domain.account_removal import erase_account
from circlefed.domain.conversations import conversations_of, mark_read, messages_in, unread_count
from circlefed.domain.message_rules import refusal_to_start
from circlefed.domain.messages import receive_message, send_message, start_conversation
from circlefed.domain.moderation import ban_member
from circlefed.errors import BadRequest, Forbidden
from circlefed.storage.models import Account, Membership, MembershipState, Message
from tests.factories import SITE, approved_member, local_person

from .circle_support import fast_accounts, grief_circle, remote_circle_with

pytestmark = pytest.mark.storage
__all__ = ["fast_accounts"]


@pytest.fixture
async def grief(db):
    """host facilitates grief; robin and sam are members, kim a remote member; nora is in no circle."""
    circle, host, robin, kim = await grief_circle()
    sam = await approved_member(circle, await local_person(SITE, "sam"))
    return circle, host, robin, kim, sam, await local_person(SITE, "nora")


async def test_facilitators_and_members_reach_each_other_but_members_write_only_to_facilitators(grief):
    circle, host, robin, kim, sam, _ = grief
    assert await refusal_to_start(circle, host, robin) is None
    assert await refusal_to_start(circle, host, kim) is None, "a remote member is reached as well"
    assert await refusal_to_start(circle, robin, host) is None
    assert await refusal_to_start(circle, robin, sam) == "In this circle, members write only to its facilitators."
    assert await refusal_to_start(circle, robin, robin) == "You cannot write to yourself."


async def test_members_write_to_each_other_once_a_facilitator_allows_it(grief, clock):
    circle, host, robin, _, sam, _ = grief
    assert circle.members_may_message is False, "off by default"
    with pytest.raises(Forbidden, match="only to its facilitators"):
        await start_conversation(SITE, circle, robin, sam, source="hi", now=clock.now())
    with pytest.raises(Forbidden):
        await circle_settings.set_member_messages(circle, True, robin, now=clock.now())
    assert await circle_settings.set_member_messages(circle, True, host, now=clock.now())
    sent = await start_conversation(SITE, circle, robin, sam, source="hi", now=clock.now())
    await send_message(SITE, sent.conversation, sam, source="hello back", now=clock.now())
    await circle_settings.set_member_messages(circle, False, host, now=clock.now())
    with pytest.raises(Forbidden, match="only to its facilitators"):
        await send_message(SITE, sent.conversation, robin, source="still there?", now=clock.now())


async def test_nobody_writes_to_someone_who_shares_no_circle_with_them(grief):
    circle, host, robin, _, _, nora = grief
    assert await refusal_to_start(circle, host, nora) == "They are not a member of this circle."
    assert await refusal_to_start(circle, nora, host) == "Only members of this circle can write to its people."
    assert await refusal_to_start(circle, nora, robin) == "Only members of this circle can write to its people.", (
        "an outsider learns nothing about who is in the circle"
    )
    pending = await local_person(SITE, "pat")
    await Membership.create(circle=circle, actor=pending, state=MembershipState.PENDING)
    assert await refusal_to_start(circle, host, pending) == "They are not a member of this circle."
    elsewhere = await remote_circle_with(robin)
    assert "Conversations start in circles hosted here" in await refusal_to_start(elsewhere, robin, host)


async def test_a_banned_member_starts_nothing_but_answers_the_facilitator_who_wrote(grief, clock):
    circle, host, robin, _, _, _ = grief
    await ban_member(SITE, circle, robin, host, now=clock.now())
    assert "You are banned from this circle" in await refusal_to_start(circle, robin, host)
    with pytest.raises(Forbidden, match="banned"):
        await start_conversation(SITE, circle, robin, host, source="why?", now=clock.now())
    sent = await start_conversation(SITE, circle, host, robin, source="How are you doing?", now=clock.now())
    await send_message(SITE, sent.conversation, robin, source="Better, thank you.", now=clock.now())
    assert [m.source for m in await messages_in(sent.conversation)] == ["How are you doing?", "Better, thank you."]


async def test_messages_are_rendered_and_sanitised_like_posts_and_empty_ones_refused(grief, clock):
    circle, host, robin, kim, _, _ = grief
    source = "**Hello** <script>alert(1)</script> [x](javascript:alert(1))"
    sent = await start_conversation(SITE, circle, host, robin, source=source, now=clock.now())
    html = sent.message.content_html
    assert "<strong>Hello</strong>" in html and "&lt;script&gt;" in html and "<script" not in html
    assert "href" not in html, "a javascript: link is no link"
    with pytest.raises(BadRequest, match="empty"):
        await send_message(SITE, sent.conversation, robin, source="   ", now=clock.now())
    remote = await start_conversation(SITE, circle, host, kim, source="Checking in.", now=clock.now())
    stored = await receive_message(
        remote.conversation, kim, uri="https://social.example/notes/1",
        content_html='<p onclick="x()">Thanks<script>bad()</script></p>', now=clock.now(),
    )
    assert stored.content_html == "<p>Thanks</p>"
    again = await receive_message(
        remote.conversation, kim, uri="https://social.example/notes/1", content_html="<p>Thanks</p>", now=clock.now()
    )
    assert again is None and await Message.filter(uri="https://social.example/notes/1").count() == 1


async def test_the_recipient_sees_an_unread_conversation_until_they_open_it(grief, clock):
    circle, host, robin, _, sam, _ = grief
    first = await start_conversation(SITE, circle, host, robin, source="one", now=clock.now())
    clock.advance(60)
    await start_conversation(SITE, circle, host, sam, source="two", now=clock.now())
    assert await unread_count(robin.id) == 1 and await unread_count(host.id) == 0
    listed = await conversations_of(host)
    assert [item.other.id for item in listed] == [sam.id, robin.id], "newest first"
    await mark_read(first.conversation, robin)
    assert await unread_count(robin.id) == 0
    clock.advance(60)
    await send_message(SITE, first.conversation, robin, source="three", now=clock.now())
    assert [item.other.id for item in await conversations_of(host)] == [robin.id, sam.id]
    assert await unread_count(host.id) == 1


async def test_a_deleted_account_takes_its_messages_with_it(grief, clock):
    circle, host, robin, _, _, _ = grief
    sent = await start_conversation(SITE, circle, host, robin, source="How are you?", now=clock.now())
    await send_message(SITE, sent.conversation, robin, source="zqprivate words", now=clock.now())
    await erase_account(await Account.get(actor_id=robin.id), now=clock.now())
    assert [m.source for m in await messages_in(sent.conversation)] == ["How are you?"]
    with pytest.raises(Forbidden, match="not a member"):
        await send_message(SITE, sent.conversation, host, source="Hello?", now=clock.now())
