"""Migrations build the schema the models describe, on every configured backend."""

from pathlib import Path

from circlefed.storage.db import activated, apply_migrations, open_database, pending_model_changes
from circlefed.storage.models import Instance

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
