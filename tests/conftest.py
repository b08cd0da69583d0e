"""Test fixtures shared by the whole suite: fresh migrated databases on SQLite (and PostgreSQL), apps, clocks."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from hypothesis import settings as hypothesis_settings

from circlefed.clock import FakeClock
from circlefed.settings import Settings, load_settings
from circlefed.storage.db import activated, apply_migrations, open_database
from tests.postgres_pool import DatabasePool

REPO = Path(__file__).resolve().parents[1]

# Which parts of the suite ran, `make test`'s strict mode and CIRCLEFED_TEST_OPT_OUT (tests/README.md).
pytest_plugins = ["tests.suite_parts"]

# Timing belongs to the benchmarks: a property test must not fail because a busy machine took 200 ms on one case.
hypothesis_settings.register_profile("circlefed", deadline=None)
hypothesis_settings.load_profile("circlefed")


@pytest.fixture(autouse=True, scope="session")
def quick_password_hashing() -> None:
    """argon2id at its lowest cost inside this test process: hundreds of test accounts would otherwise spend
    minutes of CPU in the production cost (64 MiB, 3 passes). Served processes (CLI, browser, interop tests)
    keep the production cost; only the work factor differs, never the algorithm."""
    from argon2 import PasswordHasher

    from circlefed.domain import passwords

    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
@pytest.fixture(autouse=True, scope="session")
def reused_actor_keys() -> None:
    """Actors created inside this test process (local actors, fake remote ones) draw their RSA-2048 key pairs
    from a pool: the first KEY_POOL_SIZE are generated, later actors get them again in turn. Generating one
    takes about 60 ms, and the suite creates thousands of actors. Keys stay distinct within any test that
    creates fewer than KEY_POOL_SIZE actors; tests of key generation itself, and served processes, generate."""
    from circlefed.domain import actors
    from circlefed.protocol.keys import generate_rsa_keypair
    from tests.fakes import remote

    pool = KeyPool(generate_rsa_keypair, KEY_POOL_SIZE)
    actors.generate_rsa_keypair = pool
    remote.generate_rsa_keypair = pool


KEY_POOL_SIZE = 256


class KeyPool:
    """Key pairs generated up to `size`, then handed out again in the order they were made."""

    def __init__(self, generate: Callable[[], tuple[str, str]], size: int) -> None:
        self._generate = generate
        self._size = size
        self._keys: list[tuple[str, str]] = []
        self._handed_out = 0

    def __call__(self) -> tuple[str, str]:
        if len(self._keys) < self._size:
            self._keys.append(self._generate())
            return self._keys[-1]
        key = self._keys[self._handed_out % self._size]
        self._handed_out += 1
        return key


POSTGRES_URL = os.environ.get("CIRCLEFED_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


def _migrations_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((REPO / "migrations").glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


async def _migrate(url: str) -> None:
    ctx = await open_database(url)
    try:
        await apply_migrations(ctx)
    finally:
        await ctx.close_connections()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


async def _admin_connection() -> asyncpg.Connection:
    return await asyncpg.connect(POSTGRES_URL.replace("postgres://", "postgresql://", 1))


async def _ensure_postgres_template(name: str) -> None:
    admin = await _admin_connection()
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return
        building = f"{name}_building_{uuid.uuid4().hex[:6]}"
        await admin.execute(f'CREATE DATABASE "{building}"')
        await _migrate(_with_database(POSTGRES_URL, building))
        try:
            await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        except asyncpg.DuplicateDatabaseError:  # another xdist worker built the same template first
            await admin.execute(f'DROP DATABASE "{building}"')
    finally:
        await admin.close()


async def create_postgres_database(admin: asyncpg.Connection, name: str, template: str) -> None:
    """A database copied from the migrated template, whose commits do not wait for the disk: the tests never crash
    the database server, and waiting for a flush on every commit made the PostgreSQL half of the suite wait
    about as long as it computed."""
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    await admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory) -> dict[str, str]:
    """One migrated template per backend, built once per session (PostgreSQL: kept while migrations match)."""
    fingerprint = _migrations_fingerprint()
    sqlite_template = tmp_path_factory.mktemp("db-template") / "template.sqlite3"
    asyncio.run(_migrate(f"sqlite://{sqlite_template}"))
    templates = {"sqlite": str(sqlite_template)}
    if POSTGRES_URL:
        name = f"cf_template_{fingerprint}"
        asyncio.run(_ensure_postgres_template(name))
        templates["postgres"] = name
    return templates


@pytest.fixture(params=BACKENDS)
def db_backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def postgres_databases(database_templates) -> Iterator[DatabasePool]:
    """Fresh PostgreSQL databases made ahead and dropped behind (tests/postgres_pool.py)."""
    pool = DatabasePool(_admin_connection, create_postgres_database, database_templates["postgres"])
    yield pool
    pool.close()


@pytest.fixture
async def make_database_url(request, db_backend, database_templates, tmp_path) -> AsyncIterator[Callable]:
    """Factory of fresh, migrated, empty databases on the test's backend (one per instance under test)."""
    created: list[str] = []
    pool = request.getfixturevalue("postgres_databases") if db_backend == "postgres" else None

    async def make() -> str:
        if pool is None:
            path = tmp_path / f"db-{len(created)}.sqlite3"
            shutil.copyfile(database_templates["sqlite"], path)
            created.append(str(path))
            return f"sqlite://{path}"
        name = await pool.take()
        created.append(name)
        return _with_database(POSTGRES_URL, name)

    yield make
    if pool is not None:
        pool.give_back(created)


@pytest.fixture
async def database_url(make_database_url) -> str:
    return await make_database_url()


@pytest.fixture
async def db(database_url):
    """The ORM bound to a fresh database for the body of the test."""
    ctx = await open_database(database_url)
    with activated(ctx):
        yield ctx
    await ctx.close_connections()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def settings_for(database_url: str, base_url: str = "http://127.0.0.1:8080", **sections) -> Settings:
    """Settings of an instance under test: defaults + database + base URL + per-section overrides."""
    base = load_settings(path=REPO / "tests" / "empty.toml", environ={})
    merged = {"database": {"url": database_url}, "instance": {"base_url": base_url}}
    for name, values in sections.items():
        merged.setdefault(name, {}).update(values)
    return base.replace(**merged)


@pytest.fixture
def settings(database_url) -> Settings:
    return settings_for(database_url)
