"""A members circle across three real instances: B is trusted, C is not and receives nothing but the refusal of its
member's own Follow; retention and re-federated Deletes take copies back. Everything between the instances is real
signed HTTP."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from circlefed.clock import FakeClock
from circlefed.domain import confidentiality, memberships, replies, threads
from circlefed.federation.outbound.withdraw import refederate_deletes
from circlefed.federation.retention_job import RetentionJob
from circlefed.storage.models import (
    Actor,
    Circle,
    Delivery,
    InboxItem,
    Membership,
    MembershipState,
    Post,
    Thread,
    TrustedInstance,
    Visibility,
)
from circlefed.web.keys import CLOCK, SITE
from tests.factories import approved_member

from .circles import act, browser_of, circle, join, member, remote_circle_on, settle, start_quiet

pytestmark = pytest.mark.storage
SECRET = "The new medication makes me feel numb"


@dataclass
class Net:
    a: object
    b: object
    c: object
    fran: Actor
    bea: Actor
    cal: Actor
    quiet: Circle


async def approve(instance, circle_row: Circle, uri: str, by: Actor) -> None:
    with instance.db():
        joiner = await Actor.get(uri=uri)
    await act(instance, memberships.approve_membership(circle_row, joiner, by=by))


@pytest.fixture
async def net(start_instance) -> Net:
    """A hosts the members circle `quiet`; B is trusted and bea on B is an approved member; C is not trusted."""
    clock = FakeClock(datetime.now(UTC))
    a, b, c = [await start_quiet(start_instance, clock=clock) for _ in range(3)]
    fran = await member(a, "fran")
    quiet = await circle(a, "quiet", fran, visibility=Visibility.MEMBERS)
    with a.db():
        await TrustedInstance.create(domain=b.domain)
    bea, cal = await member(b, "bea"), await member(c, "cal")
    await join(b, bea, f"@quiet@{a.domain}")
    await join(c, cal, f"@quiet@{a.domain}")
    await settle(a, b, c)
    await approve(a, quiet, bea.uri, fran)
    await settle(a, b, c)
    return Net(a, b, c, fran, bea, cal, quiet)


async def received_from(instance, domain: str) -> list[str]:
    with instance.db():
        return [item.payload.get("type") for item in await InboxItem.filter(domain=domain)]


async def test_an_untrusted_instance_never_receives_a_members_circle_activity(net):
    # SPEC: PROTOCOL.md confidential circles: delivered only to trusted instances with an approved member
    with net.a.db():
        states = {m.actor_id: m.state for m in await Membership.filter(circle=net.quiet)}
        cal_on_a = await Actor.get(uri=net.cal.uri)
    assert cal_on_a.id not in states, "C's Follow was refused: no request, no Accept"
    # The refusal is answered (cal does not wait on "pending" for ever), in words that name no policy detail.
    with net.c.db():
        answers = [item.payload for item in await InboxItem.filter(domain=net.a.domain)]
        assert (await Membership.get(actor_id=net.cal.id)).state is MembershipState.REJECTED
    assert [answer["type"] for answer in answers] == ["Reject"]
    assert answers[0]["summary"] == "This circle does not accept members from your instance."
    assert answers[0]["object"]["actor"] == net.cal.uri and "trust" not in json.dumps(answers)
    cal = await browser_of(net.c, "cal")
    async with cal.get(f"{net.c.base_url}/circles", headers={"Accept": "text/html"}) as response:
        page = await response.text()
    await cal.close()
    listed = next(item.split("</li>")[0] for item in page.split("<li>") if "Quiet" in item)
    assert "request declined" in listed and "<a " not in listed, "marked, and no link to a page she cannot read"
    # Even a member approved on C (e.g. before the admin withdrew trust) receives nothing.
    with net.a.db():
        await approved_member(net.quiet, cal_on_a)
    site, now = net.a.app[SITE], net.a.app[CLOCK].now()
    started = await act(net.a, threads.start_thread(site, net.quiet, net.fran, title=SECRET, source=SECRET, now=now))
    await settle(net.a, net.b, net.c)
    on_b = await remote_circle_on(net.b, f"{net.a.base_url}/c/quiet")
    with net.b.db():
        thread_on_b = await Thread.get(uri=started.thread.uri)
    posted = await act(net.b, replies.reply(net.b.app[SITE], thread_on_b, net.bea, source=SECRET, now=now))
    await settle(net.a, net.b, net.c)
    assert on_b.visibility is Visibility.MEMBERS
    with net.a.db():
        assert await Delivery.filter(domain=net.c.domain).exclude(activity__type="Reject").count() == 0
        assert (await Thread.get(uri=started.thread.uri)).title == SECRET
    assert await received_from(net.c, net.a.domain) == ["Reject"]
    with net.c.db():
        assert await Thread.all().count() == 0
    with net.b.db():
        assert "numb" in (await Thread.get(uri=started.thread.uri)).content_html
    with net.a.db():
        assert await Post.filter(uri=posted.post.uri).exists(), "B's reply reached the circle"


async def test_retention_deletes_here_and_at_every_instance_that_received_the_post(net):
    # SPEC: issue 6 retention (fake clock): the post expires here and a Delete reaches B
    clock = net.a.app[CLOCK]
    started = await act(
        net.a, threads.start_thread(net.a.app[SITE], net.quiet, net.fran, title=SECRET, source="x", now=clock.now())
    )
    await settle(net.a, net.b, net.c)
    with net.a.db():
        await confidentiality.set_retention(net.quiet, 30)
    job = RetentionJob(net.a.app[SITE], clock)
    with net.a.db():
        assert await job.run_once() == 0, "nothing is 30 days old yet"
        clock.advance(timedelta(days=30, seconds=1))
        assert await job.run_once() == 1
    await settle(net.a, net.b, net.c)
    for instance in (net.a, net.b):
        with instance.db():
            thread = await Thread.get(uri=started.thread.uri)
        assert thread.deleted_at is not None and thread.title == "" and thread.content_html == ""
    assert await received_from(net.c, net.a.domain) == ["Reject"], "only the refusal of cal's Follow"


async def test_a_circle_made_local_takes_its_copies_back(net):
    # SPEC: issue 6 changing visibility: members -> local, then refederate-deletes
    site, now = net.a.app[SITE], net.a.app[CLOCK].now()
    started = await act(net.a, threads.start_thread(site, net.quiet, net.fran, title=SECRET, source="x", now=now))
    await settle(net.a, net.b, net.c)
    with net.a.db():
        await confidentiality.set_visibility(net.quiet, "local", by=None, facilitator_choices=())
        result = await refederate_deletes(site, net.quiet, now=now)
        newer = await threads.start_thread(site, net.quiet, net.fran, title="after", source="y", now=now)
    assert result.objects == 1
    await settle(net.a, net.b, net.c)
    with net.b.db():
        assert (await Thread.get(uri=started.thread.uri)).deleted_at is not None
        assert not await Thread.filter(uri=newer.thread.uri).exists()
    with net.a.db():
        assert (await Thread.get(uri=started.thread.uri)).deleted_at is None, "still there for its members here"


async def test_members_on_two_trusted_instances_read_each_others_posts(net):
    # SPEC: PROTOCOL.md confidential circles: the hosting Group vouches for a members circle's posts; B takes
    # C's reply from A's Announce without refetching it from C (C serves members content to its host only).
    with net.a.db():
        await TrustedInstance.create(domain=net.c.domain)
    dee = await member(net.c, "dee")
    await join(net.c, dee, f"@quiet@{net.a.domain}")
    await settle(net.a, net.b, net.c)
    await approve(net.a, net.quiet, dee.uri, net.fran)
    await settle(net.a, net.b, net.c)
    site, now = net.a.app[SITE], net.a.app[CLOCK].now()
    started = await act(net.a, threads.start_thread(site, net.quiet, net.fran, title="check-in", source="hi", now=now))
    await settle(net.a, net.b, net.c)
    with net.c.db():
        thread_on_c = await Thread.get(uri=started.thread.uri)
    posted = await act(net.c, replies.reply(net.c.app[SITE], thread_on_c, dee, source=SECRET, now=now))
    await settle(net.a, net.b, net.c)
    with net.b.db():
        copy = await Post.get(uri=posted.post.uri)
    assert "numb" in copy.content_html
    with net.b.db():
        assert (await Thread.get(uri=started.thread.uri)).title == "check-in"
