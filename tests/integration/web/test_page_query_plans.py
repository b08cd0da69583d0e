"""Issue 21: no page reads a whole table. On a seeded instance, every SELECT the pages of the pages benchmark issue
(home, a circle's first and a deep page, a thread, its context, the outbox, the Group, a small circle's page; as
a visitor and as a signed-in member) is explained by the store itself (SQLite `EXPLAIN QUERY PLAN`, PostgreSQL
`EXPLAIN` with sequential scans priced out), and none may scan a table but the few whose size is bounded."""

from __future__ import annotations

import re

import pytest
from tortoise.transactions import in_transaction

from circlefed.cli.seed import SEED_PASSWORD, SMALL_CIRCLE, SeedSize, seed
from circlefed.storage.models import Account, Post, Thread
from tests.factories import site_of
from tests.integration.web.conftest import HTML, sign_in

pytestmark = pytest.mark.storage

AS2 = {"Accept": "application/activity+json"}
# Tables a page may read whole, and why that stays cheap.
BOUNDED = {
    "instance_policy": "one row: the instance's settings",
    "domain_rules": "the admin's domain list, read whole to match subdomains (cached per request)",
}
_SQLITE_SCAN = re.compile(r"^SCAN (\w+)")
_POSTGRES_SCAN = re.compile(r"Seq Scan on (\w+)")


class Recorder:
    """The SELECTs every connection of the store's client class runs while `on`."""

    def __init__(self, monkeypatch, client_class) -> None:
        self.on, self.queries = False, []
        for name in ("execute_query", "execute_query_dict"):
            original = getattr(client_class, name)
            monkeypatch.setattr(client_class, name, self._recording(original))

    def _recording(self, original):
        recorder = self

        async def recorded(client, query, values=None):
            if recorder.on and query.lstrip().upper().startswith(("SELECT", "WITH")):
                recorder.queries.append((query, values))
            return await original(client, query, values)

        return recorded


async def scanned_tables(query: str, values, dialect: str) -> set[str]:
    if dialect == "sqlite":
        plan = await Thread._meta.db.execute_query_dict(f"EXPLAIN QUERY PLAN {query}", values)
        return {m.group(1) for row in plan if (m := _SQLITE_SCAN.match(row["detail"]))}
    async with in_transaction() as connection:
        await connection.execute_script("SET LOCAL enable_seqscan = off")
        plan = await connection.execute_query_dict(f"EXPLAIN {query}", values)
    return {m.group(1) for row in plan if (m := _POSTGRES_SCAN.search(row["QUERY PLAN"]))}


async def test_no_page_of_the_pages_benchmark_scans_a_table(client, settings, monkeypatch):
    dialect = Thread._meta.db.capabilities.dialect
    await seed(site_of(settings), SeedSize(circles=2, threads=60, posts=600, members=12))
    assert (await Thread.all().count(), await Post.all().count(), await Account.all().count()) == (60, 600, 12)
    recorder = Recorder(monkeypatch, type(Thread._meta.db))
    pages: dict[str, list] = {}

    async def visit(name: str, url: str, headers=HTML) -> str:
        recorder.queries, recorder.on = [], True
        response = await client.get(url, headers=headers)
        recorder.on = False
        assert response.status == 200, f"{name}: {url} answered {response.status}"
        pages[name] = recorder.queries
        return await response.text()

    await visit("home", "/")
    circle = await visit("circle page", "/c/circle1")
    deep = re.search(r'href="(/c/circle1\?after=[^"]+)"', circle)
    assert deep, "the circle page links its next page"
    await visit("deep circle page", deep.group(1).replace("&amp;", "&"))
    thread = re.search(r'href="(/t/[^"#?]+)"', circle).group(1)
    await visit("thread page", thread)
    await visit("context", f"{thread}/context", AS2)
    await visit("outbox", "/c/circle1/outbox", AS2)
    await visit("Group", "/c/circle1", AS2)
    await visit("small circle page", f"/c/{SMALL_CIRCLE}")
    await sign_in(client, "seed3", SEED_PASSWORD)
    await visit("circle page, member", "/c/circle1")
    await visit("thread page, member", thread)

    # The check itself: a query no index serves is seen as a scan on this store.
    unindexed = 'SELECT "id" FROM "posts" WHERE "source" = ' + ("?" if dialect == "sqlite" else "$1")  # noqa: S608
    assert await scanned_tables(unindexed, ["x"], dialect) == {"posts"}
    scans = []
    for name, queries in pages.items():
        assert queries, f"{name}: no query recorded"
        for query, values in queries:
            for table in await scanned_tables(query, values, dialect) - BOUNDED.keys():
                scans.append(f"{name} scans {table}: {query[:300]}")
    assert scans == [], "\n".join(scans)
