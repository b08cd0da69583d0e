"""The client API's timelines read no whole table: on a seeded instance, every SELECT of the home and public
timelines (first pages, pages deep by max_id, pages back by min_id; with a member's token and without) is explained
by the store itself (test_page_query_plans.py's check) and none may scan a table but the few bounded ones. A
newest-first page may walk the publication-time index of threads or replies from its newest end: that walk stops
at the page's LIMIT (SQLite names it a SCAN USING INDEX)."""

from __future__ import annotations

import re

import pytest

from circlefed.cli.seed import SEED_PASSWORD, SeedSize, seed
from circlefed.storage.models import Post, Thread
from tests.factories import site_of
from tests.integration.web.conftest import sign_in
from tests.integration.web.oauth_flow import bearer, register, token_for
from tests.integration.web.test_page_query_plans import BOUNDED, Recorder, scanned_tables

pytestmark = pytest.mark.storage
ORDERED_WALK = re.compile(r"^SCAN (posts|threads) USING (COVERING )?INDEX idx_\1_publish")


async def scanned(query: str, values, dialect: str) -> set[str]:
    """scanned_tables, but a LIMITed walk of a publication-time index from its end is no scan."""
    if dialect != "sqlite":
        return await scanned_tables(query, values, dialect)
    plan = await Thread._meta.db.execute_query_dict(f"EXPLAIN QUERY PLAN {query}", values)
    limited = " LIMIT " in query and " ORDER BY " in query
    details = [row["detail"] for row in plan if not (limited and ORDERED_WALK.match(row["detail"]))]
    return {match.group(1) for detail in details if (match := re.match(r"^SCAN (\w+)", detail))}


async def test_no_timeline_page_scans_a_table(client, settings, monkeypatch):
    dialect = Thread._meta.db.capabilities.dialect
    await seed(site_of(settings), SeedSize(circles=2, threads=60, posts=600, members=12))
    assert await Post.all().count() == 600
    app = await register(client)
    await sign_in(client, "seed3", SEED_PASSWORD)
    member = bearer(await token_for(client, app, scope="read"))
    client.session.cookie_jar.clear()
    recorder = Recorder(monkeypatch, type(Thread._meta.db))
    pages: dict[str, list] = {}

    async def visit(name: str, url: str, headers: dict) -> list[dict]:
        recorder.queries, recorder.on = [], True
        response = await client.get(url, headers=headers)
        recorder.on = False
        assert response.status == 200, f"{name}: {url} answered {response.status}"
        pages[name] = recorder.queries
        return await response.json()

    first = await visit("home", "/api/v1/timelines/home", member)
    assert len(first) == 20
    deep = first[-1]["id"]
    await visit("home deep", f"/api/v1/timelines/home?max_id={deep}&limit=40", member)
    await visit("home back", f"/api/v1/timelines/home?min_id={deep}", member)
    await visit("home since", f"/api/v1/timelines/home?since_id={deep}", member)
    assert len(await visit("public", "/api/v1/timelines/public", {})) == 20
    await visit("public deep, member", f"/api/v1/timelines/public?local=true&max_id={deep}", member)

    unindexed = 'SELECT "id" FROM "posts" WHERE "source" = ' + ("?" if dialect == "sqlite" else "$1")  # noqa: S608
    assert await scanned(unindexed, ["x"], dialect) == {"posts"}, "the check sees a scan"
    scans = []
    for name, queries in pages.items():
        assert queries, f"{name}: no query recorded"
        for query, values in queries:
            for table in await scanned(query, values, dialect) - BOUNDED.keys():
                scans.append(f"{name} scans {table}: {query[:400]}")
    assert scans == [], "\n".join(scans)
