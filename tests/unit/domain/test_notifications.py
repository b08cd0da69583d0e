"""Notifications in the domain: who is told of a reply, a like, a join request and a held post (never of their
own action, never someone without an account here), and what a member may still see of them when they read."""

import pytest

from circlefed.domain import notifications
from circlefed.domain.account_removal import erase_account
from circlefed.domain.memberships import leave_circle, request_join
from circlefed.domain.reactions import react, withdraw_reaction
from circlefed.domain.replies import delete_reply, reply
from circlefed.domain.review import approve_post
from circlefed.storage.models import (
    Account,
    Actor,
    ContentRule,
    ContentRuleAction,
    Membership,
    Notification,
    NotificationKind,
    ReactionKind,
    ReviewState,
    Role,
    Visibility,
)
from tests.factories import SITE, approved_member, local_circle, local_person, started_thread

from .circle_support import fast_accounts, grief_circle

pytestmark = pytest.mark.storage

__all__ = ["fast_accounts"]  # the autouse fixture
ALL = list(NotificationKind)


async def seen_by(actor: Actor) -> list[Notification]:
    account = await Account.get(actor_id=actor.id)
    return [n async for n in notifications.shown(account, actor, ALL)]


async def answered(clock, thread, author, text: str, parent=None):
    """A reply, and the notifications it causes recorded, as perform does."""
    event = await reply(SITE, thread, author, source=text, in_reply_to_uri=parent and parent.uri, now=clock.now())
    await notifications.record([event], now=clock.now())
    return event.post


@pytest.fixture
async def quiet(db):
    """A members-only circle: `host` facilitates, robin and sam are members."""
    host = await local_person(SITE, "host")
    circle = await local_circle(SITE, "quiet", host, visibility=Visibility.MEMBERS)
    robin = await approved_member(circle, await local_person(SITE, "robin"))
    sam = await approved_member(circle, await local_person(SITE, "sam"))
    return circle, host, robin, sam


async def test_a_reply_tells_the_thread_and_the_answered_reply_authors_never_the_replier(db, clock):
    circle, host, robin, kim = await grief_circle()
    sam = await approved_member(circle, await local_person(SITE, "sam"))
    thread = await started_thread(SITE, circle, robin, now=clock.now())
    first = await answered(clock, thread, sam, "Same here.")
    await answered(clock, thread, kim, "And here.", parent=first)  # kim is on another server
    await answered(clock, thread, robin, "Thank you both.", parent=first)
    assert [n.post_id for n in await seen_by(robin)] == [p.id for p in await thread.posts.filter(
        author_id__in=[kim.id, sam.id]).order_by("-id")]
    assert [n.kind for n in await seen_by(sam)] == [NotificationKind.REPLY] * 2, "kim's and robin's answers"
    assert await Notification.filter(account__actor_id=kim.id).count() == 0
    assert not await Notification.exists(account__actor_id=host.id)


async def test_a_like_is_told_a_dislike_never_and_taking_the_like_back_takes_it_away(db, clock):
    circle, _, robin, kim = await grief_circle()
    sam = await approved_member(circle, await local_person(SITE, "sam"))
    thread = await started_thread(SITE, circle, robin, now=clock.now())
    for who, kind in ((sam, ReactionKind.LIKE), (kim, ReactionKind.DISLIKE), (robin, ReactionKind.LIKE)):
        event = await react(circle, thread, who, kind=kind, activity_uri=f"{who.uri}#r", now=clock.now())
        await notifications.record([event], now=clock.now())
    (told,) = await seen_by(robin)
    assert (told.kind, told.actor_id, told.thread_id) == (NotificationKind.LIKE, sam.id, thread.id)
    await withdraw_reaction(circle, sam, activity_uri=f"{sam.uri}#r", object_uri=None, kind=None)
    assert await seen_by(robin) == []


async def test_leaving_or_a_deleted_reply_hides_it_by_the_read_rule(quiet, clock):
    circle, _, robin, sam = quiet
    thread = await started_thread(SITE, circle, robin, now=clock.now())
    kept = await answered(clock, thread, sam, "Kept.")
    gone = await answered(clock, thread, sam, "Gone soon.")
    assert [n.post_id for n in await seen_by(robin)] == [gone.id, kept.id]
    await delete_reply(gone, sam, now=clock.now())
    assert [n.post_id for n in await seen_by(robin)] == [kept.id]
    await leave_circle(circle, robin)
    assert await seen_by(robin) == [], "a members-only circle's replies are for its members"
    assert await Notification.filter(account__actor_id=robin.id).count() == 2, "kept, and shown again if she returns"


async def test_a_held_post_waits_for_the_facilitators_while_it_is_held(quiet, clock):
    circle, host, robin, sam = quiet
    await ContentRule.create(pattern="hopeless", action=ContentRuleAction.HOLD)
    thread = await started_thread(SITE, circle, robin, now=clock.now())
    held = await answered(clock, thread, sam, "All hopeless.")
    assert held.review_state is ReviewState.HELD and await seen_by(robin) == []
    (waiting,) = await seen_by(host)
    assert (waiting.kind, waiting.post_id) == (NotificationKind.HELD_POST, held.id)
    await Membership.filter(circle_id=circle.id, actor_id=host.id).update(role=Role.MEMBER)
    assert await seen_by(host) == [], "only while they facilitate"
    await Membership.filter(circle_id=circle.id, actor_id=host.id).update(role=Role.FACILITATOR)
    approved = await approve_post(held, host, now=clock.now())
    await notifications.record([approved], now=clock.now())
    assert await seen_by(host) == [], "answered: it waits no more"
    assert [n.post_id for n in await seen_by(robin)] == [held.id]


async def test_a_join_request_goes_with_its_withdrawal(quiet, clock):
    circle, host, *_ = quiet
    ada = await local_person(SITE, "ada")
    outcome = await request_join(circle, ada, now=clock.now())
    await notifications.record(outcome.events, now=clock.now())
    (asked,) = await seen_by(host)
    assert (asked.kind, asked.actor_id) == (NotificationKind.JOIN_REQUEST, ada.id)
    await leave_circle(circle, ada)
    assert not await Notification.exists(kind=NotificationKind.JOIN_REQUEST)


async def test_pages_read_past_what_a_member_may_no_longer_see(quiet, clock):
    circle, _, robin, sam = quiet
    thread = await started_thread(SITE, circle, robin, now=clock.now())
    posts = [await answered(clock, thread, sam, f"Reply {n}.") for n in range(notifications.BATCH + 3)]
    for post in posts[3:]:
        await delete_reply(post, sam, now=clock.now())
    account = await Account.get(actor_id=robin.id)
    newest_first = [n.post_id async for n in notifications.shown(account, robin, ALL)]
    oldest_first = [n.post_id async for n in notifications.shown(account, robin, ALL, oldest_first=True)]
    assert newest_first == [p.id for p in reversed(posts[:3])] and oldest_first == [p.id for p in posts[:3]]


async def test_an_erased_account_takes_its_notifications_and_hides_what_it_wrote(quiet, clock):
    circle, _, robin, sam = quiet
    thread = await started_thread(SITE, circle, robin, now=clock.now())
    mine = await started_thread(SITE, circle, sam, now=clock.now(), title="Mine")
    await answered(clock, thread, sam, "Hello.")
    await answered(clock, mine, robin, "Hi sam.")
    assert len(await seen_by(robin)) == len(await seen_by(sam)) == 1
    await erase_account(await Account.get(actor_id=sam.id), now=clock.now())
    assert await seen_by(robin) == [], "sam's reply is a tombstone now"
    assert not await Notification.exists(account__actor_id=sam.id)
