"""Circles across three real circlefed instances on loopback: A hosts a circle, members on B and C join and post.

Everything between the instances is real signed HTTP: deliveries, signed fetches of actors and objects."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from circlefed.domain import memberships, replies, threads
from circlefed.storage.models import Actor, Circle, InboxItem, Membership, MembershipState, Post, Thread
from circlefed.web.keys import SITE

from .circles import act, circle, inbox_states, join, member, remote_circle_on, settle, start_quiet

pytestmark = pytest.mark.storage

AS2 = {"Accept": "application/activity+json"}


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Net:
    a: object
    b: object
    c: object
    fran: Actor  # facilitator of grief, on A
    bea: Actor  # member on B
    cal: Actor  # member on C
    grief: Circle  # on A
    on_b: Circle  # A's circle as B knows it
    on_c: Circle


@pytest.fixture
async def net(start_instance) -> Net:
    """A hosts `grief` (facilitated by fran); bea on B and cal on C have joined it by handle."""
    a, b, c = [await start_quiet(start_instance) for _ in range(3)]
    fran = await member(a, "fran")
    grief = await circle(a, "grief", fran)
    bea, cal = await member(b, "bea"), await member(c, "cal")
    await join(b, bea, f"@grief@{a.domain}")
    await join(c, cal, f"@grief@{a.domain}")
    await settle(a, b, c)
    group_uri = f"{a.base_url}/c/grief"
    on_b, on_c = await remote_circle_on(b, group_uri), await remote_circle_on(c, group_uri)
    return Net(a, b, c, fran, bea, cal, grief, on_b, on_c)


async def thread_by_cal(net, title="Evenings are hard", source="Does anyone else find the **evenings** hardest?"):
    site = net.c.app[SITE]
    return await act(net.c, threads.start_thread(site, net.on_c, net.cal, title=title, source=source, now=now()))


async def stored_thread(instance, uri):
    with instance.db():
        return await Thread.get_or_none(uri=uri).prefetch_related("circle__actor")


async def stored_post(instance, uri):
    with instance.db():
        return await Post.get_or_none(uri=uri)


async def test_members_on_two_instances_join_by_handle(net):
    # SPEC: fep-1b12 following (Follow of the Group, Accept, approved membership on both sides)
    with net.a.db():
        states = {m.actor.uri: m.state for m in await Membership.filter(circle=net.grief).prefetch_related("actor")}
    assert states == {
        net.fran.uri: MembershipState.APPROVED,
        net.bea.uri: MembershipState.APPROVED,
        net.cal.uri: MembershipState.APPROVED,
    }
    for instance, who, row in ((net.b, net.bea, net.on_b), (net.c, net.cal, net.on_c)):
        with instance.db():
            assert (await Membership.get(circle=row, actor_id=who.id)).state is MembershipState.APPROVED
        assert not row.is_local and row.slug == "grief"
    assert await inbox_states(net.b) == [("Accept", "delivered", None)]


async def test_a_thread_from_c_appears_on_a_and_b(net):
    # SPEC: fep-1b12 announce (Create(Page) to the Group, Announce(Create) and Announce(Page) to members)
    started = await thread_by_cal(net)
    await settle(net.a, net.b, net.c)
    on_a = await stored_thread(net.a, started.thread.uri)
    on_b = await stored_thread(net.b, started.thread.uri)
    assert on_a.circle_id == net.grief.id and on_a.title == "Evenings are hard"
    assert on_b.circle_id == net.on_b.id and on_b.title == "Evenings are hard"
    assert "<strong>evenings</strong>" in on_b.content_html
    kinds = [(kind, state) for kind, state, _ in await inbox_states(net.b)]
    assert kinds.count(("Announce", "delivered")) == 2  # Announce(Create(Page)) and Announce(Page)


async def test_a_reply_from_b_appears_on_a_and_c(net):
    started = await thread_by_cal(net)
    await settle(net.a, net.b, net.c)
    thread_on_b = await stored_thread(net.b, started.thread.uri)
    posted = await act(
        net.b,
        replies.reply(net.b.app[SITE], thread_on_b, net.bea, source="Yes. Tea helps.", content_warning="tea",
                      now=now()),
    )
    await settle(net.a, net.b, net.c)
    for instance in (net.a, net.c):
        stored = await stored_post(instance, posted.post.uri)
        assert stored is not None and stored.content_html == "<p>Yes. Tea helps.</p>"
        assert stored.content_warning == "tea"  # from `summary`; the `[CW: …]` first line is not doubled
        assert stored.in_reply_to_uri == started.thread.uri


async def test_an_edit_and_a_delete_propagate(net):
    # SPEC: PROTOCOL.md deletion and edits (Update and Delete(Tombstone) re-announced by the Group)
    started = await thread_by_cal(net)
    await settle(net.a, net.b, net.c)
    with net.c.db():
        mine = await Thread.get(uri=started.thread.uri)
    edit = threads.edit_thread(
        net.c.app[SITE], mine, net.cal, title="Evenings", source="Edited.", content_warning="loss", now=now()
    )
    await act(net.c, edit)
    await settle(net.a, net.b, net.c)
    for instance in (net.a, net.b):
        stored = await stored_thread(instance, started.thread.uri)
        assert (stored.title, stored.content_html, stored.content_warning) == ("Evenings", "<p>Edited.</p>", "loss")
    with net.c.db():
        mine = await Thread.get(uri=started.thread.uri)
    await act(net.c, threads.delete_thread(mine, net.cal, now=now()))
    await settle(net.a, net.b, net.c)
    for instance in (net.a, net.b):
        stored = await stored_thread(instance, started.thread.uri)
        assert stored.deleted_at is not None and stored.title == "" and stored.content_html == ""


async def test_a_member_who_leaves_stops_receiving(net):
    await act(net.b, memberships.leave_circle(net.on_b, net.bea))
    await settle(net.a, net.b, net.c)
    with net.a.db():
        assert not await Membership.exists(circle=net.grief, actor__uri=net.bea.uri)
    started = await thread_by_cal(net, title="After bea left")
    await settle(net.a, net.b, net.c)
    assert await stored_thread(net.a, started.thread.uri) is not None
    assert await stored_thread(net.b, started.thread.uri) is None
    assert [kind for kind, _, _ in await inbox_states(net.b)] == ["Accept"]  # nothing arrived after leaving


async def test_a_facilitators_thread_on_a_reaches_b_and_c(net):
    # SPEC: fep-1b12 announce (local members' posts in a local circle are announced by the Group too)
    started = await act(
        net.a,
        threads.start_thread(net.a.app[SITE], net.grief, net.fran, title="Ground rules", source="Be kind.", now=now()),
    )
    await settle(net.a, net.b, net.c)
    for instance in (net.b, net.c):
        stored = await stored_thread(instance, started.thread.uri)
        assert stored is not None and stored.title == "Ground rules"


async def test_a_facilitators_removal_on_a_reaches_b(net):
    # SPEC: fep-1b12 moderation (a removal by a moderator, announced by the Group, applies on followers)
    started = await thread_by_cal(net)
    await settle(net.a, net.b, net.c)
    with net.a.db():
        on_a = await Thread.get(uri=started.thread.uri)
    await act(net.a, threads.delete_thread(on_a, net.fran, now=now()))
    await settle(net.a, net.b, net.c)
    # The thread lives in the circle: its moderators' removal applies on the author's instance too (as in Lemmy).
    for instance in (net.b, net.c):
        assert (await stored_thread(instance, started.thread.uri)).deleted_at is not None


async def test_a_reply_that_overtakes_its_thread_pulls_the_thread_from_its_origin(net):
    # SPEC: FEP-7888 context (a reply's ancestors are fetched from their origins when missing)
    started = await thread_by_cal(net)
    await settle(net.a, net.c)  # A has the thread; B has not processed the Announces yet
    with net.b.db():
        await Thread.all().delete()
    with net.a.db():
        on_a = await Thread.get(uri=started.thread.uri)
    await act(net.a, replies.reply(net.a.app[SITE], on_a, net.fran, source="Welcome, cal.", now=now()))
    with net.b.db():
        await InboxItem.all().delete()
    await settle(net.a, net.b, net.c)
    on_b = await stored_thread(net.b, started.thread.uri)
    assert on_b is not None and on_b.title == "Evenings are hard"
