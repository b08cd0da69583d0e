"""Joining circles across real instances: approval by a facilitator, rejection, and backfill on first join."""

from datetime import UTC, datetime

import pytest

from circlefed.domain import memberships, threads
from circlefed.storage.models import Membership, MembershipState, Thread
from circlefed.web.keys import SITE

from .circles import act, circle, join, member, remote_circle_on, settle, start_quiet

pytestmark = pytest.mark.storage


@pytest.fixture
async def pair(start_instance):
    a, b = await start_quiet(start_instance), await start_quiet(start_instance)
    fran = await member(a, "fran")
    bea = await member(b, "bea")
    return a, b, fran, bea


async def state_on(instance, circle_row, who) -> MembershipState | None:
    with instance.db():
        row = await Membership.get_or_none(circle_id=circle_row.id, actor__uri=who.uri)
    return row.state if row else None


async def test_a_join_request_waits_for_a_facilitator_then_the_accept_approves_it(pair):
    # SPEC: fep-1b12 following; PROTOCOL.md manuallyApprovesFollowers (join approval)
    a, b, fran, bea = pair
    quiet = await circle(a, "quiet", fran, requires_approval=True)
    await join(b, bea, f"@quiet@{a.domain}")
    await settle(a, b)
    on_b = await remote_circle_on(b, f"{a.base_url}/c/quiet")
    assert await state_on(a, quiet, bea) is MembershipState.PENDING
    assert await state_on(b, on_b, bea) is MembershipState.PENDING
    with a.db():
        bea_on_a = await memberships.pending_requests(quiet)
    await act(a, memberships.approve_membership(quiet, bea_on_a[0], by=fran))
    await settle(a, b)
    assert await state_on(a, quiet, bea) is MembershipState.APPROVED
    assert await state_on(b, on_b, bea) is MembershipState.APPROVED


async def test_a_rejected_request_is_rejected_on_both_sides(pair):
    a, b, fran, bea = pair
    quiet = await circle(a, "quiet", fran, requires_approval=True)
    await join(b, bea, f"@quiet@{a.domain}")
    await settle(a, b)
    with a.db():
        bea_on_a = (await memberships.pending_requests(quiet))[0]
    await act(a, memberships.reject_membership(quiet, bea_on_a, by=fran))
    await settle(a, b)
    on_b = await remote_circle_on(b, f"{a.base_url}/c/quiet")
    assert await state_on(a, quiet, bea) is MembershipState.REJECTED
    assert await state_on(b, on_b, bea) is MembershipState.REJECTED


async def test_joining_backfills_recent_threads_from_the_outbox(pair):
    # SPEC: fep-1b12 outbox (recent threads imported on first join, as Lemmy does)
    a, b, fran, bea = pair
    grief = await circle(a, "grief", fran)
    titles = ["First", "Second"]
    for title in titles:
        await act(
            a,
            threads.start_thread(a.app[SITE], grief, fran, title=title, source=f"{title} post.", now=datetime.now(UTC)),
        )
    await join(b, bea, f"@grief@{a.domain}")
    await settle(a, b)
    with b.db():
        stored = await Thread.all().order_by("id").values_list("title", flat=True)
    assert stored == titles


async def test_leaving_before_approval_withdraws_the_request(pair):
    a, b, fran, bea = pair
    quiet = await circle(a, "quiet", fran, requires_approval=True)
    await join(b, bea, f"@quiet@{a.domain}")
    await settle(a, b)
    on_b = await remote_circle_on(b, f"{a.base_url}/c/quiet")
    await act(b, memberships.leave_circle(on_b, bea))
    await settle(a, b)
    assert await state_on(a, quiet, bea) is None
    assert await state_on(b, on_b, bea) is None
