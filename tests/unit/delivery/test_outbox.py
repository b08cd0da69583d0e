"""The transactional outbox: one row per remote inbox, written with the change that caused it, or not at all."""

import pytest
from tortoise.transactions import in_transaction

from circlefed.delivery.fanout import OutsideTransaction, enqueue_deliveries, plan_inboxes
from circlefed.delivery.outbox import domain_of
from circlefed.storage.models import Delivery, OutboxActivity, QueueState, Thread
from tests.factories import local_actor

from .support import LOCAL_DOMAIN, activity, enqueue

pytestmark = pytest.mark.storage


def test_shared_inboxes_are_delivered_once_and_local_inboxes_never():
    planned = plan_inboxes(
        [
            "https://social.example/inbox",
            "https://social.example/inbox",
            "https://Social.Example:443/users/kim/inbox",
            f"http://{LOCAL_DOMAIN}/u/robin/inbox",
            "http://127.0.0.1:8080/inbox",
            "ftp://files.example/inbox",
            "not a url",
            "https://forum.example:8443/inbox",
        ],
        local_domain=LOCAL_DOMAIN,
    )
    assert planned == [
        ("https://social.example/inbox", "social.example"),
        ("https://Social.Example:443/users/kim/inbox", "social.example"),
        ("https://forum.example:8443/inbox", "forum.example:8443"),
    ]


def test_the_domain_drops_default_ports_and_case():
    assert domain_of("https://Clinic.Example:443/inbox") == "clinic.example"
    assert domain_of("http://clinic.example:8080/inbox") == "clinic.example:8080"
    assert domain_of("https://clinic.example:99999/inbox") == ""


async def test_enqueue_writes_pending_rows_due_now(db, clock):
    actor = await local_actor()
    stored = await activity(actor, clock.now())
    queued = await enqueue(
        stored,
        ["https://a.example/inbox", "https://b.example/inbox", "https://a.example/inbox"],
        clock.now(),
        ordering_key=stored.object_uri,
    )
    assert queued == ["https://a.example/inbox", "https://b.example/inbox"]
    rows = await Delivery.all().order_by("id")
    assert [(r.inbox_uri, r.domain, r.state, r.attempts) for r in rows] == [
        ("https://a.example/inbox", "a.example", QueueState.PENDING, 0),
        ("https://b.example/inbox", "b.example", QueueState.PENDING, 0),
    ]
    assert all(r.next_attempt_at == clock.now() and r.ordering_key == stored.object_uri for r in rows)


async def test_enqueueing_again_adds_only_new_inboxes(db, clock):
    stored = await activity(await local_actor(), clock.now())
    await enqueue(stored, ["https://a.example/inbox"], clock.now())
    queued = await enqueue(stored, ["https://a.example/inbox", "https://c.example/inbox"], clock.now())
    assert queued == ["https://c.example/inbox"]
    assert await Delivery.filter(activity=stored).count() == 2


async def test_a_rolled_back_change_leaves_no_activity_and_no_delivery(db, clock):
    actor = await local_actor()

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with in_transaction():
            stored = await OutboxActivity.create(
                uri="http://127.0.0.1:8080/a/rolled-back",
                type="Create",
                actor=actor,
                payload={},
                created_at=clock.now(),
            )
            await enqueue_deliveries(
                stored, ["https://a.example/inbox"], local_domain=LOCAL_DOMAIN, ordering_key=None, now=clock.now()
            )
            raise Boom  # e.g. the forum write after it failed
    assert await OutboxActivity.all().count() == 0
    assert await Delivery.all().count() == 0
    assert await Thread.all().count() == 0


async def test_enqueue_outside_a_transaction_is_refused(db, clock):
    stored = await activity(await local_actor(), clock.now())
    with pytest.raises(OutsideTransaction):
        await enqueue_deliveries(
            stored, ["https://a.example/inbox"], local_domain=LOCAL_DOMAIN, ordering_key=None, now=clock.now()
        )
    assert await Delivery.all().count() == 0


async def test_a_new_delivery_waits_for_the_newest_unfinished_one_of_its_object_and_inbox(db, clock):
    actor = await local_actor()
    note = "http://127.0.0.1:8080/p/chain"
    create = await activity(actor, clock.now(), object_uri=note)
    await enqueue(create, ["https://a.example/inbox", "https://b.example/inbox"], clock.now(), ordering_key=note)
    first_a, first_b = await Delivery.all().order_by("id")
    await Delivery.filter(id=first_b.id).update(state=QueueState.DELIVERED)
    update = await activity(actor, clock.now(), type="Update", object_uri=note)
    await enqueue(update, ["https://a.example/inbox", "https://b.example/inbox"], clock.now(), ordering_key=note)
    second_a = await Delivery.get(activity=update, inbox_uri="https://a.example/inbox")
    second_b = await Delivery.get(activity=update, inbox_uri="https://b.example/inbox")
    assert (second_a.after_id, second_b.after_id) == (first_a.id, None)  # b's Create is already delivered
    again = await activity(actor, clock.now(), type="Update", object_uri=note)
    await enqueue(again, ["https://a.example/inbox"], clock.now(), ordering_key=note)
    assert (await Delivery.get(activity=again)).after_id == second_a.id
    unrelated = await activity(actor, clock.now())
    await enqueue(unrelated, ["https://a.example/inbox"], clock.now(), ordering_key=unrelated.object_uri)
    assert (await Delivery.get(activity=unrelated)).after_id is None
