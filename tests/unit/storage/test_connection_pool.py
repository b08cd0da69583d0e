"""The PostgreSQL pool: a connection goes back without a reset round trip, and never inside a transaction."""

import pytest

from circlefed.storage.models import Instance
from tests.conftest import POSTGRES_URL

ONLY_POSTGRES = pytest.param(
    "postgres", marks=pytest.mark.skipif(not POSTGRES_URL, reason="needs CIRCLEFED_TEST_DATABASE_URL")
)
pytestmark = [pytest.mark.storage, pytest.mark.parametrize("db_backend", [ONLY_POSTGRES])]


def pool():
    return Instance._meta.db._pool


async def test_a_released_connection_is_sent_nothing_more(db):
    sent: list[str] = []

    def log(record) -> None:
        sent.append(record.query)

    async with pool().acquire() as connection:
        raw = connection._con  # the connection itself: the pool's proxy is unusable once released
        raw.add_query_logger(log)
        assert await connection.fetchval("SELECT 1") == 1
    raw.remove_query_logger(log)
    assert sent == ["SELECT 1"]  # asyncpg's default would add RESET ALL, UNLISTEN *, ... as a second round trip


async def test_a_transaction_left_open_is_rolled_back_when_the_connection_returns(db):
    async with pool().acquire() as connection:
        await connection.execute("BEGIN")
        await connection.execute("INSERT INTO instances (domain, is_local, failure_count, created_at, updated_at)"
            " VALUES ('left.example', false, 0, now(), now())")
    assert not await Instance.exists(domain="left.example")
    await Instance.create(domain="kept.example")
    assert await Instance.exists(domain="kept.example")
