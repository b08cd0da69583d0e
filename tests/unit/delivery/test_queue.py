"""Claiming with a lease: due rows only, never twice, expired leases come back, per-inbox order is kept."""

from datetime import timedelta

import pytest

from circlefed.delivery import queue
from circlefed.delivery.queue import DELIVERIES, Finish
from circlefed.storage.models import Delivery, Instance, QueueState
from tests.factories import local_actor

from .support import activity, enqueue, states

pytestmark = pytest.mark.storage
LEASE = 120.0


async def claim(clock, worker="w1", limit=10):
    return await queue.claim(DELIVERIES, worker_id=worker, now=clock.now(), lease=LEASE, limit=limit)


@pytest.fixture
async def three(db, clock):
    stored = await activity(await local_actor(), clock.now())
    await enqueue(stored, [f"https://r{i}.example/inbox" for i in range(3)], clock.now())
    return [d.id for d in await Delivery.all().order_by("id")]


async def test_a_claim_leases_due_rows_and_counts_the_attempt(three, clock):
    assert await claim(clock, limit=2) == three[:2]
    rows = {d.id: d for d in await Delivery.all()}
    for row_id in three[:2]:
        row = rows[row_id]
        assert (row.state, row.leased_by, row.attempts) == (QueueState.SENDING, "w1", 1)
        assert row.lease_until == clock.now() + timedelta(seconds=LEASE)
    assert rows[three[2]].state is QueueState.PENDING


async def test_a_leased_row_is_never_claimed_twice(three, clock):
    first = await claim(clock, "w1")
    second = await claim(clock, "w2")
    assert first == three and second == []


async def test_rows_not_yet_due_wait(three, clock):
    await Delivery.filter(id=three[0]).update(next_attempt_at=clock.now() + timedelta(minutes=5))
    assert await claim(clock) == three[1:]
    clock.advance(timedelta(minutes=5))
    assert await claim(clock) == three[:1]


async def test_an_expired_lease_returns_to_pending_and_is_claimed_again(three, clock):
    await claim(clock, "crashed")
    clock.advance(LEASE - 1)
    assert await queue.release_expired(DELIVERIES, now=clock.now()) == 0
    clock.advance(2)
    assert await queue.release_expired(DELIVERIES, now=clock.now()) == 3
    assert set((await states()).values()) == {"pending"}
    assert await claim(clock, "w2") == three
    assert {d.attempts for d in await Delivery.all()} == {2}


async def test_only_the_lease_holder_writes_the_result(three, clock):
    await claim(clock, "slow")
    clock.advance(LEASE + 1)
    await queue.release_expired(DELIVERIES, now=clock.now())
    await claim(clock, "fresh")
    late = [Finish(three[0], QueueState.FAILED, last_status=400)]
    assert await queue.finish(DELIVERIES, late, worker_id="slow", now=clock.now()) == 0
    done = [Finish(i, QueueState.DELIVERED, last_status=202) for i in three]
    assert await queue.finish(DELIVERIES, done, worker_id="fresh", now=clock.now()) == 3
    rows = await Delivery.all()
    assert {(r.state, r.last_status, r.leased_by) for r in rows} == {(QueueState.DELIVERED, 202, None)}
    assert {r.finished_at for r in rows} == {clock.now()}


async def test_a_retry_waits_until_its_time(three, clock):
    await claim(clock)
    later = clock.now() + timedelta(seconds=60)
    await queue.finish(
        DELIVERIES,
        [Finish(three[0], QueueState.RETRY_WAIT, later, 500, "HTTP 500")],
        worker_id="w1",
        now=clock.now(),
    )
    row = await Delivery.get(id=three[0])
    assert (row.state, row.next_attempt_at, row.last_error, row.finished_at) == (
        QueueState.RETRY_WAIT,
        later,
        "HTTP 500",
        None,
    )
    assert await claim(clock, "w2") == []
    clock.advance(60)
    assert await claim(clock, "w2") == [three[0]]


async def test_released_rows_do_not_count_an_attempt(three, clock):
    await claim(clock, "stopping")
    assert await queue.release(DELIVERIES, three, worker_id="stopping") == 3
    assert {(d.state, d.attempts) for d in await Delivery.all()} == {(QueueState.PENDING, 0)}


async def test_an_update_never_overtakes_its_create_to_the_same_inbox(db, clock):
    actor = await local_actor()
    note = "http://127.0.0.1:8080/p/ordered"
    create = await activity(actor, clock.now(), type="Create", object_uri=note)
    update = await activity(actor, clock.now(), type="Update", object_uri=note)
    inboxes = ["https://a.example/inbox", "https://b.example/inbox"]
    await enqueue(create, inboxes, clock.now(), ordering_key=note)
    await enqueue(update, inboxes, clock.now(), ordering_key=note)
    first = await claim(clock, limit=10)
    assert [d.activity_id for d in await Delivery.filter(id__in=first).order_by("id")] == [create.id, create.id]
    assert await claim(clock, "w2") == []  # the Updates wait while their Creates are in flight
    await queue.finish(
        DELIVERIES, [Finish(first[0], QueueState.DELIVERED, last_status=202)], worker_id="w1", now=clock.now()
    )
    second = await claim(clock, "w2")
    assert [(d.activity_id, d.inbox_uri) for d in await Delivery.filter(id__in=second)] == [(update.id, inboxes[0])]


async def test_a_retrying_create_still_holds_back_its_update(db, clock):
    actor = await local_actor()
    note = "http://127.0.0.1:8080/p/held"
    create = await activity(actor, clock.now(), object_uri=note)
    update = await activity(actor, clock.now(), type="Update", object_uri=note)
    await enqueue(create, ["https://a.example/inbox"], clock.now(), ordering_key=note)
    await enqueue(update, ["https://a.example/inbox"], clock.now(), ordering_key=note)
    [first] = await claim(clock)
    await queue.finish(
        DELIVERIES,
        [Finish(first, QueueState.RETRY_WAIT, clock.now() + timedelta(seconds=30))],
        worker_id="w1",
        now=clock.now(),
    )
    assert await claim(clock) == []
    clock.advance(30)
    assert await claim(clock) == [first]


async def test_rows_without_an_ordering_key_go_in_parallel(db, clock):
    actor = await local_actor()
    a = await activity(actor, clock.now())
    b = await activity(actor, clock.now())
    await enqueue(a, ["https://a.example/inbox"], clock.now())
    await enqueue(b, ["https://a.example/inbox"], clock.now())
    assert len(await claim(clock)) == 2


async def test_a_domain_backing_off_is_skipped_as_a_whole(three, clock):
    await Instance.create(domain="r1.example", backoff_until=clock.now() + timedelta(minutes=10))
    claimed = await claim(clock)
    assert [d.domain for d in await Delivery.filter(id__in=claimed).order_by("id")] == ["r0.example", "r2.example"]
    clock.advance(timedelta(minutes=10, seconds=1))
    assert [d.domain for d in await Delivery.filter(id__in=await claim(clock))] == ["r1.example"]


async def test_an_illegal_result_is_refused_before_any_write(three, clock):
    await claim(clock)
    with pytest.raises(Exception, match="cannot move from sending to cancelled"):
        await queue.finish(DELIVERIES, [Finish(three[0], QueueState.CANCELLED)], worker_id="w1", now=clock.now())
    assert (await Delivery.get(id=three[0])).state is QueueState.SENDING


async def test_cancelling_a_domain_stops_only_what_has_not_gone_out(three, clock):
    await Delivery.filter(id=three[0]).update(domain="blocked.example")
    await Delivery.filter(id=three[1]).update(domain="blocked.example", state=QueueState.DELIVERED)
    assert await queue.cancel_for_domain("Blocked.Example", now=clock.now()) == 1
    assert await states() == {three[0]: "cancelled", three[1]: "delivered", three[2]: "pending"}
    assert await claim(clock) == [three[2]]
