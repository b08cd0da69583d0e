"""Migrations build the schema the models describe, on every configured backend."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tortoise.exceptions import IntegrityError

from circlefed.storage.db import activated, apply_migrations, open_database, pending_model_changes
from circlefed.storage.models import Actor, Delivery, Instance, OutboxActivity, QueueState

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"


async def test_models_and_migrations_do_not_drift(db):
    writers = await pending_model_changes(db)
    assert writers == [], "models changed without a migration: run `circlefed makemigrations`"


async def test_migrating_an_up_to_date_database_applies_nothing(db):
    assert await apply_migrations(db) == []


async def test_migrated_schema_stores_and_reads_rows(db):
    await Instance.create(domain="partner.example")
    assert await Instance.filter(domain="partner.example").count() == 1


async def test_a_new_sqlite_database_gets_every_migration_in_wal_mode(tmp_path):
    ctx = await open_database(f"sqlite://{tmp_path / 'sub' / 'fresh.sqlite3'}")
    try:
        applied = await apply_migrations(ctx)
        with activated(ctx):
            _, rows = await ctx.db().execute_query("PRAGMA journal_mode")
    finally:
        await ctx.close_connections()
    assert applied == sorted(p.stem for p in MIGRATIONS.glob("[0-9]*.py"))
    assert str(next(iter(dict(rows[0]).values()))).lower() == "wal"


def declared_indexes(model) -> set[tuple[bool, tuple[str, ...]]]:
    """(unique, columns) of every index a model declares: indexed and unique fields, unique_together, Meta.indexes."""
    meta = model._meta
    column = {name: meta.fields_map[name].source_field or name for name in meta.fields_map}
    column.update({name: f"{name}_id" for name in meta.fk_fields | meta.o2o_fields})
    declared = set()
    for name, field in meta.fields_map.items():
        if name in meta.fields_db_projection and (field.index or field.unique) and not field.pk:
            declared.add((bool(field.unique), (column[name],)))
    declared.update((True, tuple(column[name] for name in group)) for group in meta.unique_together)
    for index in meta.indexes:
        names = index.fields if hasattr(index, "fields") else index
        declared.add((False, tuple(column[name] for name in names)))
    return declared


async def existing_indexes(table: str) -> set[tuple[bool, tuple[str, ...]]]:
    """(unique, columns) of the indexes the database has on a table, read from its own catalogue."""
    connection = Instance._meta.db
    if connection.capabilities.dialect == "postgres":
        rows = await connection.execute_query_dict(
            "SELECT ix.indisunique AS uniq, array_agg(a.attname ORDER BY k.n) AS cols FROM pg_index ix "
            "JOIN pg_class t ON t.oid = ix.indrelid "
            "CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            "WHERE t.relname = $1 AND NOT ix.indisprimary GROUP BY ix.indexrelid, ix.indisunique",
            [table],
        )
        return {(bool(row["uniq"]), tuple(row["cols"])) for row in rows}
    found = set()
    for index in await connection.execute_query_dict(f'PRAGMA index_list("{table}")'):
        if index["origin"] == "pk":
            continue
        columns = await connection.execute_query_dict(f'PRAGMA index_info("{index["name"]}")')
        found.add((bool(index["unique"]), tuple(c["name"] for c in sorted(columns, key=lambda c: c["seqno"]))))
    return found


async def test_every_index_the_models_declare_exists_in_the_migrated_database(db):
    # A column change on SQLite rebuilds the table; the deliveries table once lost its unique (activity, inbox)
    # index and the worker's claim index that way, unnoticed, while PostgreSQL kept them.
    missing = {}
    for model in models_of(db):
        absent = declared_indexes(model) - await existing_indexes(model._meta.db_table)
        if absent:
            missing[model._meta.db_table] = sorted(absent)
    assert missing == {}


def models_of(ctx) -> list:
    """Every model of the ORM context."""
    return [model for app in ctx.apps.values() for model in app.values()]


async def test_restoring_the_delivery_indexes_folds_rows_queued_twice_into_one(tmp_path):
    # Before 0008 a SQLite database could hold one activity queued twice for the same inbox.
    ctx = await open_database(f"sqlite://{tmp_path / 'old.sqlite3'}")
    try:
        await apply_migrations(ctx, up_to="0007_ui_accounts")
        with activated(ctx):
            instance = await Instance.create(domain="clinic.example", is_local=True)
            actor = await Actor.create(
                uri="https://clinic.example/u/a", type="Person", instance=instance, preferred_username="a"
            )
            activity = await OutboxActivity.create(
                uri="https://clinic.example/a/1", type="Create", actor=actor, payload={}
            )
            now = datetime.now(UTC)
            row = {"activity": activity, "domain": "partner.example", "next_attempt_at": now, "created_at": now}
            twin = "https://partner.example/inbox"
            failed = await Delivery.create(inbox_uri=twin, state=QueueState.FAILED, **row)
            delivered = await Delivery.create(inbox_uri=twin, state=QueueState.DELIVERED, **row)
            waiting = await Delivery.create(inbox_uri="https://partner.example/u/b/inbox", after_id=failed.id, **row)
            other = await Delivery.create(inbox_uri="https://other.example/inbox", **row)
            assert await apply_migrations(ctx, up_to="0008_delivery_indexes") == ["0008_delivery_indexes"]
            remaining = {d.id: d for d in await Delivery.all()}
            assert set(remaining) == {delivered.id, waiting.id, other.id}
            assert remaining[waiting.id].after_id == delivered.id  # it waits for the twin that was kept
            with pytest.raises(IntegrityError):
                await Delivery.create(inbox_uri=twin, **row)
    finally:
        await ctx.close_connections()
