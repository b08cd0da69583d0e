"""Circle moderation in the domain: who may lock, pin, ban and name facilitators, and that each action is logged."""

from datetime import timedelta

import pytest

from circlefed.domain import moderation, modlog
from circlefed.domain.memberships import request_join
from circlefed.domain.replies import reply
from circlefed.domain.threads import delete_thread, start_thread
from circlefed.errors import BadRequest, Conflict, Forbidden
from circlefed.storage.models import CircleBan, Membership, ModerationLogEntry, Role, Thread
from tests.factories import SITE, local_person, remote_person, started_thread

from .circle_support import fast_accounts, grief_circle, remote_circle_with

pytestmark = pytest.mark.storage
__all__ = ["fast_accounts"]


@pytest.fixture
async def grief(db):
    return await grief_circle()


async def a_thread(circle, author, clock) -> Thread:
    return await started_thread(SITE, circle, author, title="Evenings", source="They are hard.", now=clock.now())


async def logged() -> list[tuple[str, str, str]]:
    rows = await ModerationLogEntry.all().order_by("id").prefetch_related("moderator")
    return [(row.moderator.uri, row.action, row.reason) for row in rows]


async def test_a_facilitator_locks_a_thread_and_replies_are_refused_until_unlocked(grief, clock):
    # SPEC: PROTOCOL.md moderation (Lock / Undo(Lock))
    circle, host, robin, _ = grief
    thread = await a_thread(circle, robin, clock)
    event = await moderation.lock_thread(thread, host, reason="cooling off", now=clock.now())
    assert (event.action, event.object_uri, event.reason) == ("lock_thread", thread.uri, "cooling off")
    with pytest.raises(Forbidden, match="locked"):
        await reply(SITE, thread, robin, source="one more", now=clock.now())
    assert await moderation.lock_thread(thread, host, now=clock.now()) is None  # already locked: nothing to send
    await moderation.lock_thread(thread, host, locked=False, now=clock.now())
    await reply(SITE, thread, robin, source="thanks", now=clock.now())
    assert [action for _, action, _ in await logged()] == ["lock_thread", "unlock_thread"]


async def test_members_who_are_not_facilitators_cannot_moderate(grief, clock):
    # SPEC: fep-1b12 moderation (only moderators: facilitators and the circle's admins)
    circle, host, robin, kim = grief
    thread = await a_thread(circle, host, clock)
    with pytest.raises(Forbidden, match="facilitators"):
        await moderation.lock_thread(thread, robin, now=clock.now())
    with pytest.raises(Forbidden):
        await moderation.pin_thread(thread, kim, now=clock.now())
    with pytest.raises(Forbidden):
        await moderation.ban_member(SITE, circle, robin, kim, now=clock.now())
    assert await logged() == []


async def test_an_instance_admin_moderates_any_local_circle(grief, clock):
    circle, _, robin, _ = grief
    admin = await local_person(SITE, "admin", is_admin=True)
    thread = await a_thread(circle, robin, clock)
    assert (await moderation.pin_thread(thread, admin, now=clock.now())).action == "pin_thread"
    assert (await Thread.get(id=thread.id)).is_pinned


async def test_a_ban_refuses_posts_and_joins_until_it_expires(grief, clock):
    # SPEC: PROTOCOL.md moderation (Block with expiry: a banned member's posts are refused while banned)
    circle, host, robin, _ = grief
    until = clock.now() + timedelta(days=1)
    event = await moderation.ban_member(SITE, circle, robin, host, reason="harassment", expires_at=until,
                                        now=clock.now())
    assert event.activity_uri.startswith("http://127.0.0.1:8080/a/") and event.expires_at == until
    with pytest.raises(Forbidden, match="banned from this circle until"):
        await start_thread(SITE, circle, robin, title="Hi", source="again", now=clock.now())
    await Membership.filter(actor=robin).delete()
    with pytest.raises(Forbidden, match="banned"):
        await request_join(circle, robin, now=clock.now())
    clock.advance(timedelta(days=1, seconds=1))
    assert (await request_join(circle, robin, now=clock.now())).changed  # the ban is over
    assert await logged() == [(host.uri, "ban_member", f"harassment (until {until:%Y-%m-%d %H:%M} UTC)")]


async def test_a_ban_with_remove_data_removes_every_post_of_the_member_and_logs_each(grief, clock):
    circle, host, robin, _ = grief
    thread = await a_thread(circle, robin, clock)
    other = await a_thread(circle, host, clock)
    answer = (await reply(SITE, other, robin, source="me too", now=clock.now())).post
    event = await moderation.ban_member(SITE, circle, robin, host, reason="spam", remove_data=True, now=clock.now())
    assert {removal.thread.uri for removal in event.removals} == {thread.uri, other.uri}
    assert (await Thread.get(id=thread.id)).deleted_at is not None
    assert (await Thread.get(id=other.id)).deleted_at is None
    assert [r.post.uri for r in event.removals if hasattr(r, "post")] == [answer.uri]
    assert [action for _, action, _ in await logged()] == ["remove_thread", "remove_reply", "ban_member"]
    unban = await moderation.unban_member(circle, robin, host, now=clock.now())
    assert unban.activity_uri == event.activity_uri and not await CircleBan.exists(actor=robin)
    assert await moderation.unban_member(circle, robin, host, now=clock.now()) is None


async def test_facilitators_cannot_be_banned_and_a_circle_keeps_one(grief, clock):
    circle, host, robin, _ = grief
    await moderation.set_facilitator(circle, robin, host, now=clock.now())
    with pytest.raises(Conflict, match="remove their facilitator role"):
        await moderation.ban_member(SITE, circle, robin, host, now=clock.now())
    with pytest.raises(BadRequest):
        await moderation.ban_member(SITE, circle, host, host, now=clock.now())
    await moderation.set_facilitator(circle, host, robin, facilitator=False, now=clock.now())
    with pytest.raises(Conflict, match="at least one facilitator"):
        await moderation.set_facilitator(circle, robin, robin, facilitator=False, now=clock.now())
    assert (await Membership.get(actor=robin)).role is Role.FACILITATOR


async def test_a_removal_by_a_facilitator_is_logged_with_its_reason_but_an_authors_own_delete_is_not(grief, clock):
    # SPEC: issue 7 accountability (every moderation action in the log)
    circle, host, robin, _ = grief
    await delete_thread(await a_thread(circle, robin, clock), robin, now=clock.now())
    await delete_thread(await a_thread(circle, robin, clock), host, reason="identifying details", now=clock.now())
    assert await logged() == [(host.uri, "remove_thread", "identifying details")]


async def test_a_remote_circles_group_vouches_for_its_moderators(db, clock):
    # SPEC: fep-1b12 moderation (followers apply moderation announced by the Group)
    robin = await local_person(SITE, "robin")
    their_mod = await remote_person("mod", "partner.example")
    circle = await remote_circle_with(robin)
    with pytest.raises(Forbidden):
        await moderation.set_facilitator(circle, robin, their_mod, now=clock.now())
    await moderation.set_facilitator(circle, robin, their_mod, now=clock.now(), vouched=True)
    assert (await Membership.get(actor=robin)).role is Role.FACILITATOR  # robin may now moderate from here


async def test_facilitators_read_the_log_of_their_circles_and_admins_all_of_it(grief, clock):
    # SPEC: issue 7 accountability (readable by facilitators for their circles, by admins for everything)
    circle, host, robin, _ = grief
    admin = await local_person(SITE, "admin", is_admin=True)
    await moderation.lock_thread(await a_thread(circle, robin, clock), host, now=clock.now())
    assert [e.action for e in await modlog.read_log(host)] == ["lock_thread"]
    assert [e.action for e in await modlog.read_log(admin)] == ["lock_thread"]
    assert await modlog.read_log(robin) == []
    with pytest.raises(Forbidden):
        await modlog.read_log(robin, circle=circle)
    later = clock.now() + timedelta(hours=1)
    assert await modlog.read_log(admin, since=later) == []
