"""Circle moderation between two real circlefed instances on loopback: every action federates both ways."""

from datetime import timedelta

import pytest

from circlefed.domain import circle_settings, moderation, replies, rules, threads
from circlefed.errors import Forbidden
from circlefed.storage.models import Actor, Circle, CircleBan, Membership, Role, Thread
from circlefed.web.keys import SITE

from .circles import act, inbox_states, settle
from .moderation_net import moderation_net, now, send_as

pytestmark = pytest.mark.storage


@pytest.fixture
async def net(start_instance):
    return await moderation_net(start_instance)


async def test_a_lock_by_the_facilitator_reaches_the_member_instance_and_stops_replies(net):
    # SPEC: PROTOCOL.md moderation (Lock / Undo(Lock) announced by the Group)
    thread = await net.thread_on(net.a)
    await act(net.a, moderation.lock_thread(thread, net.fran, reason="cooling down", now=now()))
    await settle(net.a, net.b)
    on_b = await net.thread_on(net.b)
    assert on_b.is_locked
    with net.b.db(), pytest.raises(Forbidden, match="locked"):
        await replies.reply(net.b.app[SITE], on_b, net.bea, source="One more thing", now=now())
    await act(net.a, moderation.lock_thread(await net.thread_on(net.a), net.fran, locked=False, now=now()))
    await settle(net.a, net.b)
    assert not (await net.thread_on(net.b)).is_locked
    expected = [(net.fran.uri, "lock_thread", net.thread_uri), (net.fran.uri, "unlock_thread", net.thread_uri)]
    assert await net.log_on(net.a) == expected
    assert await net.log_on(net.b) == expected  # the member instance logs what the remote moderator did


async def test_a_pin_reaches_the_member_instance_and_the_featured_collection(net, http):
    # SPEC: PROTOCOL.md moderation (Add/Remove to featured)
    await act(net.a, moderation.pin_thread(await net.thread_on(net.a), net.fran, now=now()))
    await settle(net.a, net.b)
    assert (await net.thread_on(net.b)).is_pinned
    async with http.get(f"{net.a.base_url}/c/grief/featured", headers={"Accept": "application/activity+json"}) as r:
        featured = await r.json()
    assert [page["id"] for page in featured["orderedItems"]] == [net.thread_uri]
    await act(net.a, moderation.pin_thread(await net.thread_on(net.a), net.fran, pinned=False, now=now()))
    await settle(net.a, net.b)
    assert not (await net.thread_on(net.b)).is_pinned


async def test_a_ban_with_remove_data_removes_the_posts_everywhere_and_refuses_new_ones(net):
    # SPEC: PROTOCOL.md moderation (Block{target: circle, summary, expires, removeData} and Undo(Block))
    with net.a.db():
        bea_on_a = await Membership.get(circle=net.grief, actor__uri=net.bea.uri).prefetch_related("actor")
    until = now() + timedelta(days=7)
    await act(net.a, moderation.ban_member(net.a.app[SITE], net.grief, bea_on_a.actor, net.fran, reason="spam",
                                           reason_shared=True, expires_at=until, remove_data=True, now=now()))
    await settle(net.a, net.b)
    for instance in (net.a, net.b):
        assert (await net.thread_on(instance)).deleted_at is not None
        with instance.db():
            ban = await CircleBan.get(actor__uri=net.bea.uri)
        assert ban.reason == "spam" and ban.remove_data and abs(ban.expires_at - until) < timedelta(seconds=1)
    with net.b.db(), pytest.raises(Forbidden, match="banned"):
        await threads.start_thread(net.b.app[SITE], net.on_b, net.bea, title="Back", source="Hi", now=now())
    actions = [action for _, action, _ in await net.log_on(net.a)]
    assert actions == ["remove_thread", "ban_member"]
    await act(net.a, moderation.unban_member(net.grief, bea_on_a.actor, net.fran, now=now()))
    await settle(net.a, net.b)
    for instance in (net.a, net.b):
        with instance.db():
            assert not await CircleBan.exists(actor__uri=net.bea.uri)
    started = await act(net.b, threads.start_thread(net.b.app[SITE], net.on_b, net.bea, title="Back", source="Hi",
                                                    now=now()))
    await settle(net.a, net.b)
    with net.a.db():
        assert await Thread.exists(uri=started.thread.uri)  # posting again once unbanned


async def test_a_remote_facilitator_moderates_from_their_own_instance(net):
    # SPEC: fep-1b12 moderation (Add/Remove to moderators; actions of a remote moderator applied and announced)
    with net.a.db():
        bea_on_a = (await Membership.get(circle=net.grief, actor__uri=net.bea.uri).prefetch_related("actor")).actor
    await act(net.a, moderation.set_facilitator(net.grief, bea_on_a, net.fran, now=now()))
    await settle(net.a, net.b)
    with net.b.db():
        assert (await Membership.get(circle=net.on_b, actor_id=net.bea.id)).role is Role.FACILITATOR
    welcome = await act(net.a, threads.start_thread(net.a.app[SITE], net.grief, net.fran, title="Welcome",
                                                    source="Hello", now=now()))
    await settle(net.a, net.b)
    with net.b.db():
        welcome_on_b = await Thread.get(uri=welcome.thread.uri)
    await act(net.b, moderation.lock_thread(welcome_on_b, net.bea, reason="done", now=now()))
    await settle(net.a, net.b)
    with net.a.db():
        assert (await Thread.get(uri=welcome.thread.uri)).is_locked
    with net.b.db():
        welcome_on_b = await Thread.get(uri=welcome.thread.uri)
    await act(net.b, threads.delete_thread(welcome_on_b, net.bea, reason="off topic", now=now()))
    await settle(net.a, net.b)
    with net.a.db():
        assert (await Thread.get(uri=welcome.thread.uri)).deleted_at is not None  # fran's thread, removed by bea
    log_on_a = await net.log_on(net.a)
    assert (net.bea.uri, "lock_thread", welcome.thread.uri) in log_on_a
    assert (net.bea.uri, "remove_thread", welcome.thread.uri) in log_on_a
    await act(net.a, moderation.set_facilitator(net.grief, bea_on_a, net.fran, facilitator=False, now=now()))
    await settle(net.a, net.b)
    with net.b.db():
        assert (await Membership.get(circle=net.on_b, actor_id=net.bea.id)).role is Role.MEMBER


async def test_a_forged_lock_from_a_member_who_is_no_facilitator_is_refused(net):
    # SPEC: PROTOCOL.md attack 16 / fep-1b12 moderation (actions only from moderators or the circle's admins)
    lock = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{net.b.base_url}/a/forged-lock",
        "type": "Lock",
        "actor": net.bea.uri,
        "object": net.thread_uri,
        "to": [f"{net.a.base_url}/c/grief"],
    }
    await send_as(net.b, net.bea, lock, f"{net.a.base_url}/c/grief/inbox")
    await settle(net.a, net.b)
    assert not (await net.thread_on(net.a)).is_locked
    kind, state, error = (await inbox_states(net.a))[-1]
    assert (kind, state) == ("Lock", "failed")
    assert "facilitators" in error
    assert await net.log_on(net.a) == []


async def test_new_ground_rules_reach_the_member_instance_as_an_update_of_the_group(net):
    # SPEC: PROTOCOL.md actors (ground rules are the Group's summary) / issue 7 ground rules
    await act(net.a, rules.set_rules(net.grief, net.fran, "1. Be kind.", require_reacknowledgement=True, now=now()))
    await settle(net.a, net.b)
    assert (await inbox_states(net.b))[-1] == ("Update", "delivered", None)
    with net.b.db():
        group = await Actor.get(uri=f"{net.a.base_url}/c/grief")
    assert "<li>Be kind.</li>" in group.summary


async def test_a_renamed_circle_reaches_the_member_instance_with_its_new_name_and_description(net):
    # SPEC: PROTOCOL.md actors (the Group's name and summary) / issue 17 circles edited from the web
    renamed = circle_settings.describe_circle(net.grief, "Grief and loss", "For anyone grieving.", net.fran, now=now())
    await act(net.a, renamed)
    await settle(net.a, net.b)
    assert (await inbox_states(net.b))[-1] == ("Update", "delivered", None)
    with net.b.db():
        group = await Actor.get(uri=f"{net.a.base_url}/c/grief")
        circle = await Circle.get(actor_id=group.id)
    assert (group.display_name, circle.name) == ("Grief and loss", "Grief and loss")
    assert "For anyone grieving." in circle.description + group.summary
