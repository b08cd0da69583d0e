"""Rows written as tuples (storage/bulk.py, used by `circlefed dev seed`): defaults filled in as the models
would, JSON given as text or as a dict, and a row missing a required value refused before anything is written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from circlefed.storage.bulk import after_explicit_ids, bulk_loading, insert_rows, next_free_id
from circlefed.storage.models import Actor, OutboxActivity
from tests.factories import SITE, local_circle

pytestmark = pytest.mark.storage
AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def actor() -> Actor:
    """The Group actor of a circle hosted here: what the rows name as their actor."""
    return await (await local_circle(SITE, "grief", None)).actor


async def test_rows_take_the_models_defaults_and_json_as_text_or_dict(db):
    group = await actor()
    rows = [
        {"uri": "https://here.example/a/1", "type": "Announce", "actor_id": group.id, "payload": '{"id": 1}'},
        {
            "uri": "https://here.example/a/2",
            "type": "Announce",
            "actor_id": group.id,
            "payload": {"id": 2},
            "created_at": AT,
        },
    ]
    await insert_rows(OutboxActivity, rows, batch=1)
    first, second = await OutboxActivity.all().order_by("id")
    assert (first.payload, second.payload) == ({"id": 1}, {"id": 2})
    assert first.circle_id is None and first.created_at is not None and second.created_at == AT


async def test_a_row_without_a_required_value_is_refused_before_anything_is_written(db):
    group = await actor()
    good = {"uri": "https://here.example/a/1", "type": "Announce", "actor_id": group.id, "payload": {}}
    with pytest.raises(ValueError, match=r"outbox_activities\.type needs a value"):
        await insert_rows(OutboxActivity, [good, {"uri": "https://here.example/a/2", "actor_id": group.id}])
    assert not await OutboxActivity.exists()


async def test_rows_with_their_own_ids_leave_the_next_ordinary_row_a_free_id(db):
    group = await actor()
    first = await next_free_id(OutboxActivity)
    rows = [
        {"id": first + n, "uri": f"https://here.example/a/{n}", "type": "Announce", "actor_id": group.id, "payload": {}}
        for n in range(3)
    ]
    await insert_rows(OutboxActivity, rows)
    await after_explicit_ids(OutboxActivity)
    later = await OutboxActivity.create(uri="https://here.example/a/later", type="Announce", actor=group, payload={})
    assert [row.id for row in await OutboxActivity.all().order_by("id")] == [first, first + 1, first + 2, later.id]
    assert later.id > first + 2 and await next_free_id(OutboxActivity) == later.id + 1


async def test_bulk_loading_switches_to_a_rollback_journal_and_back(db):
    connection = OutboxActivity._meta.db
    sqlite = connection.capabilities.dialect == "sqlite"
    async with bulk_loading(connection):
        await actor()
        if sqlite:
            assert await journal_and_sync(connection) == ("delete", 0)  # 0 = OFF
    if sqlite:  # PostgreSQL keeps its settings throughout
        assert await journal_and_sync(connection) == ("wal", 1)  # 1 = NORMAL


async def journal_and_sync(connection) -> tuple[str, int]:
    _, journal = await connection.execute_query("PRAGMA journal_mode")
    _, sync = await connection.execute_query("PRAGMA synchronous")
    return journal[0][0], sync[0][0]
