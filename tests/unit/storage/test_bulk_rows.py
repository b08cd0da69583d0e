"""Rows written as tuples (storage/bulk.py, used by `circlefed dev seed`): defaults filled in as the models
would, JSON given as text or as a dict, and a row missing a required value refused before anything is written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from circlefed.storage.bulk import insert_rows
from circlefed.storage.models import Actor, Instance, OutboxActivity

pytestmark = pytest.mark.storage
AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def actor() -> Actor:
    instance = await Instance.create(domain="here.example", is_local=True)
    return await Actor.create(
        uri="https://here.example/c/grief", type="Group", instance=instance, preferred_username="grief", is_local=True
    )


async def test_rows_take_the_models_defaults_and_json_as_text_or_dict(db):
    group = await actor()
    rows = [
        {"uri": "https://here.example/a/1", "type": "Announce", "actor_id": group.id, "payload": '{"id": 1}'},
        {"uri": "https://here.example/a/2", "type": "Announce", "actor_id": group.id, "payload": {"id": 2},
         "created_at": AT},
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
