"""Storage: many rows written as tuples, a batch per statement, without model instances (`circlefed dev seed`).

Each value is given as the column stores it: enums by their value, JSON as text (a dict is encoded here), times
as aware datetimes (both drivers adapt them as tortoise does). A column the row leaves out takes the field's
default, or NULL; a required one without either is an error before anything is written."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from tortoise.fields import JSONField
from tortoise.models import Model

from circlefed.storage.sql import placeholders

BATCH = 2_000


async def insert_rows(model: type[Model], rows: Sequence[dict[str, Any]], *, batch: int = BATCH) -> None:
    """INSERT every row (dicts keyed by field name, foreign keys as `<name>_id`) in batches of `batch`."""
    if not rows:
        return
    meta = model._meta
    names = [name for name in meta.fields_db_projection if name != meta.pk_attr]
    columns = ", ".join(meta.fields_db_projection[name] for name in names)
    connection = meta.db
    marks = ", ".join(placeholders(connection.capabilities.dialect, len(names)))
    sql = f"INSERT INTO {meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
    now = datetime.now(UTC)
    values = [[_stored(meta.fields_map[name], row, name, now) for name in names] for row in rows]
    for start in range(0, len(values), batch):
        await connection.execute_many(sql, values[start : start + batch])


def _stored(field, row: dict[str, Any], name: str, now: datetime) -> Any:
    if name in row:
        value = row[name]
    elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = now
    elif field.default is not None:
        value = field.default() if callable(field.default) else field.default
    elif field.null:
        return None
    else:
        raise ValueError(f"{field.model._meta.db_table}.{name} needs a value")
    if isinstance(value, Enum):
        return value.value
    if isinstance(field, JSONField) and not isinstance(value, str):
        return json.dumps(value)
    return value
