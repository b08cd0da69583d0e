"""`circlefed keys rotate` (issue 20 item 4): a circle's or a member's new key reaches the instances that know the
actor by an Update, and the next signed request is verified there with the new key. Two real instances."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from circlefed.domain import replies, threads
from circlefed.federation.outbound.keys_out import rotate_key
from circlefed.storage.models import Actor, Delivery, Post, Thread
from circlefed.web.keys import CLOCK, SITE

from .circles import act, circle, inbox_states, join, member, remote_circle_on, settle, start_quiet
from .lifecycle_net import lifecycle_net

pytestmark = pytest.mark.storage


@pytest.fixture
async def pair(start_instance):
    """A hosts the public circle `grief` (fran); B hosts `walk` (wes); bea on B joined grief, robin on A walk."""
    a, b = await start_quiet(start_instance), await start_quiet(start_instance)
    fran, robin, wes, bea = await member(a, "fran"), await member(a, "robin"), await member(b, "wes"), await member(
        b, "bea")
    grief, walk = await circle(a, "grief", fran), await circle(b, "walk", wes)
    await join(b, bea, f"@grief@{a.domain}")
    await join(a, robin, f"@walk@{b.domain}")
    await settle(a, b)
    return a, b, grief, walk, fran, robin


async def rotated(instance, name: str) -> str:
    """Rotate the key of the local actor `name`; its new public key."""
    with instance.db():
        actor = await Actor.get(local_name=name)
        async with in_transaction():
            await rotate_key(instance.app[SITE], actor, now=instance.app[CLOCK].now())
        return (await Actor.get(id=actor.id)).public_key_pem


async def key_known_on(instance, uri: str) -> str:
    with instance.db():
        return (await Actor.get(uri=uri)).public_key_pem


async def test_a_circles_new_key_reaches_its_members_instance_which_verifies_the_next_announce(pair):
    a, b, grief, _, fran, _ = pair
    group_uri = f"{a.base_url}/c/grief"
    old = await key_known_on(b, group_uri)
    new = await rotated(a, "grief")
    assert new != old
    await settle(a, b)
    assert await key_known_on(b, group_uri) == new, "the Update(Group) made B fetch the new key"
    started = await act(a, threads.start_thread(a.app[SITE], grief, fran, title="After the new key", source="Hi.",
                                                now=a.app[CLOCK].now()))
    await settle(a, b)
    with b.db():
        assert await Thread.exists(uri=started.thread.uri), "B verified the Announce signed with the new key"
    assert all(state != "failed" for _, state, _ in await inbox_states(b))


async def test_a_members_new_key_reaches_the_host_of_a_circle_they_joined_which_takes_their_next_post(pair):
    a, b, _, walk, _, robin = pair
    with b.db():
        wes = await Actor.get(local_name="wes")
    opening = await act(b, threads.start_thread(b.app[SITE], walk, wes, title="Walks", source="Where next?",
                                                now=b.app[CLOCK].now()))
    await settle(a, b)
    old = await key_known_on(b, robin.uri)
    new = await rotated(a, "robin")
    assert new != old
    await settle(a, b)
    assert await key_known_on(b, robin.uri) == new
    with a.db():
        copy = await Thread.get(uri=opening.thread.uri)
    answered = await act(a, replies.reply(a.app[SITE], copy, robin, source="The river, please.",
                                          now=a.app[CLOCK].now()))
    await settle(a, b)
    with b.db():
        assert await Post.exists(uri=answered.post.uri), "B verified robin's Create signed with the new key"
    assert (await remote_circle_on(a, f"{b.base_url}/c/walk")).slug == "walk"


async def test_a_members_new_key_is_not_announced_where_only_a_members_circle_would_name_them(start_instance):
    # Instances of a members circle know its members by pseudonyms: an Update of the member's own actor sent there
    # would tell them who belongs to the circle.
    net = await lifecycle_net(start_instance)
    try:
        await rotated(net.a, "zqrobin")
        with net.a.db():
            updates = await Delivery.filter(activity__type="Update", activity__actor__local_name="zqrobin").count()
        assert updates == 0
        await rotated(net.a, "quiet")
        with net.a.db():
            assert await Delivery.filter(activity__type="Update", domain=net.b.domain).count() == 1
    finally:
        await net.close()
