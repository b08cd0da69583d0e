"""The inbox's group commit: deliveries stored together keep their own outcomes (new, redelivery, replay, failure)."""

import asyncio
from datetime import UTC, datetime

import pytest

from circlefed.errors import SignatureError
from circlefed.federation.inbound.inbox_writer import InboxWriter, PendingItem
from circlefed.storage.models import InboxItem

pytestmark = pytest.mark.storage

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def item(n: int, *, replay: str | None = None, actor: str | None = "https://remote.test/u/a") -> PendingItem:
    activity_id = f"https://remote.test/activities/{n}"
    return PendingItem(
        replay_key=replay or f"replay-{n}",
        activity_id=activity_id,
        actor_uri=actor,  # type: ignore[arg-type]  # None: a row the database refuses
        domain="remote.test",
        payload_json=f'{{"id": "{activity_id}", "type": "Create"}}',
        received_at=NOW,
    )


async def store_together(writer: InboxWriter, items: list[PendingItem]) -> list:
    """Store items in one batch: they all reach the queue before the flush task first runs."""
    return await asyncio.gather(*(writer.store(i) for i in items), return_exceptions=True)


async def stored_ids() -> list[str]:
    return sorted(await InboxItem.all().values_list("activity_uri", flat=True))


async def test_a_batch_stores_new_items_and_knows_redeliveries_and_replays(db):
    writer = InboxWriter()
    assert await store_together(writer, [item(1), item(2)]) == [False, False]
    outcomes = await store_together(writer, [
        item(3),
        item(1, replay="fresh-signature"),  # the same activity signed afresh: a redelivery
        item(4, replay="replay-2"),  # a stored request's signature again: a replay
        item(3, replay="another-signature"),  # the same activity twice in one batch
        item(5, replay="replay-3"),  # a request's signature twice in one batch
    ])
    assert outcomes[:2] == [False, True]
    assert isinstance(outcomes[2], SignatureError) and "replay" in str(outcomes[2])
    assert outcomes[3] is True
    assert isinstance(outcomes[4], SignatureError)
    assert await stored_ids() == [f"https://remote.test/activities/{n}" for n in (1, 2, 3)]
    payload = (await InboxItem.get(activity_uri="https://remote.test/activities/3")).payload
    assert payload == {"id": "https://remote.test/activities/3", "type": "Create"}


async def test_a_row_the_database_refuses_fails_alone_not_its_whole_batch(db):
    writer = InboxWriter()
    outcomes = await store_together(writer, [item(1), item(2, actor=None), item(3)])
    assert outcomes[0] is False and outcomes[2] is False
    assert isinstance(outcomes[1], Exception)
    assert await stored_ids() == ["https://remote.test/activities/1", "https://remote.test/activities/3"]


async def test_large_batches_are_split_into_several_statements(db):
    writer = InboxWriter()
    outcomes = await store_together(writer, [item(n) for n in range(700)])
    assert outcomes == [False] * 700
    assert len(await stored_ids()) == 700
    again = await store_together(writer, [item(n, replay=f"again-{n}") for n in range(700)])
    assert again == [True] * 700
