"""SQLite with two connections (a web process and a worker): a transaction that reads, then writes, is not
refused because the other connection wrote in between."""

import asyncio

from tortoise.transactions import in_transaction

from circlefed.storage.db import activated, apply_migrations, open_database
from circlefed.storage.models import Instance


async def test_a_transaction_that_reads_then_writes_waits_for_the_other_connection(tmp_path):
    url = f"sqlite://{tmp_path / 'shared.sqlite3'}"
    web, worker = await open_database(url), await open_database(url)
    try:
        await apply_migrations(web)
        with activated(web):
            async with in_transaction():
                assert not await Instance.exists(domain="web.example")  # the transaction has read
                with activated(worker):
                    other_write = asyncio.ensure_future(Instance.create(domain="worker.example"))
                # Give the other connection its chance to commit first (it cannot while this one holds the lock).
                await asyncio.wait({other_write}, timeout=0.5)
                await Instance.create(domain="web.example")
            await other_write
            assert sorted(await Instance.all().values_list("domain", flat=True)) == ["web.example", "worker.example"]
    finally:
        await web.close_connections()
        await worker.close_connections()
