"""Benchmark: pages at 10k and at 1M posts (issue 21), and circlefed's share of a bare handler's throughput.

For each size a fresh database is seeded (`circlefed dev seed`'s code: 2 circles, 20 replies a thread, 300
members, and the empty small circle) and served by circlefed in this process (no worker); every page is asked
for by 4 concurrent clients in three rounds, the two sizes' rounds taking turns, and the medians of its p50/p95
printed, then the 1M/10k ratio of the p95s. Against the small size, a bare aiohttp handler that runs only the
essential SELECT of the circle page and of the thread page gives the limit (its rounds taking turns with
circlefed's, so that load from elsewhere falls on both), and circlefed's share of its requests/s is printed: as
anonymous readers get those pages (kept, web/page_cache.py), and made for every request as signed-in members
get them.
Options: --database-url=postgres://user@host/db (a fresh database is made next to it; default SQLite files),
--big=N (posts of the big size, default 1,000,000), --requests=N (per page and round, default 300)."""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import aiosqlite
import asyncpg
from aiohttp import web

from circlefed.app import create_app
from circlefed.cli.seed import SMALL_CIRCLE, SeedSize, seed
from circlefed.domain.site import Site
from circlefed.storage.db import activated, apply_migrations, open_database
from circlefed.web.page_cache import PAGE_CACHE, PageCache
from tests.bench import procs
from tests.bench.results import record
from tests.conftest import settings_for
from tests.fakes.remote import reserved_socket, server_on

SMALL_POSTS = 10_000
REPLIES_PER_THREAD = 20
CONCURRENCY = 4
ROUNDS = 3  # every figure is the median of three rounds
TARGET_GROWTH = 1.3
TARGET_SHARE = {"circle page": 0.15, "thread page": 0.4}
AS2 = {"Accept": "application/activity+json"}
HTML = {"Accept": "text/html"}


async def load(session: aiohttp.ClientSession, url: str, headers: dict, requests: int) -> tuple[list[float], float]:
    """requests GETs by CONCURRENCY clients: each one's seconds, and requests per second overall."""
    latencies: list[float] = []
    remaining = iter(range(requests))

    async def client() -> None:
        for _ in remaining:
            started = time.perf_counter()
            async with session.get(url, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url} answered {response.status}")
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return latencies, requests / (time.perf_counter() - began)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def page_urls(session: aiohttp.ClientSession, base: str) -> dict[str, tuple[str, dict]]:
    """The pages measured, found as a reader would: the circle page links its next pages and its threads."""
    async with session.get(f"{base}/c/circle1", headers=HTML) as response:
        circle = await response.text()
    thread = re.search(r'href="(/t/[^"#?]+)"', circle).group(1)
    deep = f"{base}/c/circle1"
    for _ in range(5):  # five pages down
        async with session.get(deep, headers=HTML) as response:
            found = re.search(r'href="(/c/circle1\?after=[^"]+)"', await response.text())
        deep = f"{base}{found.group(1).replace('&amp;', '&')}"
    return {
        "home": (f"{base}/", HTML),
        "Group AS2": (f"{base}/c/circle1", AS2),
        "circle page": (f"{base}/c/circle1", HTML),
        "circle page, deep": (deep, HTML),
        "thread page": (f"{base}{thread}", HTML),
        "thread context": (f"{base}{thread}/context", AS2),
        "circle outbox": (f"{base}/c/circle1/outbox", AS2),
        "small circle page": (f"{base}/c/{SMALL_CIRCLE}", HTML),
    }


async def serve_seeded(database_url: str, posts: int) -> tuple[web.AppRunner, str]:
    sock = reserved_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    ctx = await open_database(database_url)
    await apply_migrations(ctx)
    started = time.perf_counter()
    with activated(ctx):
        size = SeedSize(circles=2, threads=posts // REPLIES_PER_THREAD, posts=posts, members=300)
        await seed(Site.for_base_url(base, base.removeprefix("http://"), "bench"), size)
    await ctx.close_connections()
    print(f"  seeded {posts:,} posts in {time.perf_counter() - started:.0f} s", flush=True)
    settings = settings_for(database_url, base_url=base, web={"run_worker": False}, logging={"level": "WARNING"})
    server = server_on(create_app(settings), sock)
    await server.start_server()
    return server, base


async def measure_pages(
    servers: dict[int, tuple[object, str]], bare: str, small_url: str, requests: int
) -> tuple[dict[int, dict[str, dict]], dict[str, float]]:
    """Every page at every size, the sizes' rounds interleaved (small, big, small, ...), and for the circle and
    thread pages the bare handler's rounds among them, so that the machine's drift or a neighbour's load falls
    on all alike; each figure is the median of its ROUNDS rounds. Returns the figures and the bare rates."""
    figures: dict[int, dict[str, dict]] = {posts: {} for posts in servers}
    bare_rates: dict[str, float] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:
        urls = {posts: await page_urls(session, base) for posts, (_, base) in servers.items()}
        bare_urls = await bare_pages(bare, small_url, urls[SMALL_POSTS]["thread page"][0])
        for name in urls[SMALL_POSTS]:
            rounds: dict[int | str, list] = {posts: [] for posts in servers}
            targets: dict[int | str, tuple[str, dict]] = {posts: urls[posts][name] for posts in servers}
            if name in bare_urls:
                rounds["bare"], targets["bare"] = [], (bare_urls[name], HTML)
            for target in targets.values():
                await load(session, *target, 10)  # warm
            for _ in range(ROUNDS):
                for key, target in targets.items():
                    rounds[key].append(await load(session, *target, requests))
            if name in bare_urls:
                bare_rates[name] = statistics.median(rate for _, rate in rounds.pop("bare"))
            for posts, measured in rounds.items():
                figures[posts][name] = {
                    "p50_ms": statistics.median(percentile(latencies, 0.5) for latencies, _ in measured) * 1000,
                    "p95_ms": statistics.median(percentile(latencies, 0.95) for latencies, _ in measured) * 1000,
                    "per_s": statistics.median(rate for _, rate in measured),
                    "url": urls[posts][name][0],
                }
            if name in TARGET_SHARE:
                cache = servers[SMALL_POSTS][0].app[PAGE_CACHE]
                made = await made_rate(cache, session, urls[SMALL_POSTS][name][0], requests)
                figures[SMALL_POSTS][name]["made_per_s"] = made
    return figures, bare_rates


async def made_rate(cache: PageCache, session: aiohttp.ClientSession, url: str, requests: int) -> float:
    """Requests/s of a page made for every request, as signed-in members get it (no kept page)."""
    kept_entries, cache.entries = cache.entries, 0
    try:
        return statistics.median([(await load(session, url, HTML, requests))[1] for _ in range(ROUNDS)])
    finally:
        cache.entries = kept_entries


def bare_app(database_url: str) -> web.Application:
    """The limit: the one essential SELECT of each page and a minimal page of its rows, nothing else."""
    circle_sql = ("SELECT id, title, last_activity_at FROM threads WHERE circle_id = {0} AND is_pinned = {1} AND "
                  "deleted_at IS NULL ORDER BY last_activity_at DESC, id DESC LIMIT 26")
    thread_sql = ("SELECT id, content_html, published_at FROM posts WHERE thread_id = {0} AND deleted_at IS NULL "
                  "ORDER BY published_at, id LIMIT 26")
    postgres = database_url.startswith("postgres")
    marks = ("$1", "$2") if postgres else ("?", "?")
    app = web.Application()

    async def rows(sql: str, *values) -> list:
        if postgres:
            return await app["pool"].fetch(sql.format(*marks), *values)
        async with app["sqlite"].execute(sql.format(*marks), values) as cursor:
            return await cursor.fetchall()

    async def circle(request: web.Request) -> web.Response:
        found = await rows(circle_sql, int(request.match_info["id"]), False)
        return web.Response(text="".join(f"<li>{row[1]}</li>" for row in found), content_type="text/html")

    async def thread(request: web.Request) -> web.Response:
        found = await rows(thread_sql, int(request.match_info["id"]))
        return web.Response(text="".join(f"<p>{row[1]}</p>" for row in found), content_type="text/html")

    async def open_store(app: web.Application):
        if postgres:
            app["pool"] = await asyncpg.create_pool(database_url.replace("postgres://", "postgresql://", 1))
        else:
            app["sqlite"] = await aiosqlite.connect(database_url.removeprefix("sqlite://"))
        yield
        await (app["pool"].close() if postgres else app["sqlite"].close())

    app.cleanup_ctx.append(open_store)
    app.router.add_get("/circle/{id}", circle)
    app.router.add_get("/thread/{id}", thread)
    return app


async def start_bare(database_url: str) -> tuple[web.AppRunner, str]:
    sock = reserved_socket()
    server = server_on(bare_app(database_url), sock)
    await server.start_server()
    return server, f"http://127.0.0.1:{sock.getsockname()[1]}"


async def bare_pages(base: str, database_url: str, thread_url: str) -> dict[str, str]:
    """The bare handler's URLs of the measured circle and thread (their ids read once, here, not per request)."""
    token = thread_url.split("/t/", 1)[1]
    if database_url.startswith("postgres"):
        connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
        try:
            circle_id = await connection.fetchval("SELECT id FROM circles WHERE slug = 'circle1' AND is_local")
            thread_id = await connection.fetchval("SELECT id FROM threads WHERE uri LIKE $1", f"%/t/{token}")
        finally:
            await connection.close()
    else:
        async with aiosqlite.connect(database_url.removeprefix("sqlite://")) as connection:
            circle_id = (await (await connection.execute(
                "SELECT id FROM circles WHERE slug = 'circle1' AND is_local")).fetchone())[0]
            thread_id = (await (await connection.execute(
                "SELECT id FROM threads WHERE uri LIKE ?", (f"%/t/{token}",))).fetchone())[0]
    return {"circle page": f"{base}/circle/{circle_id}", "thread page": f"{base}/thread/{thread_id}"}


async def run(database: str = "", big: int = 1_000_000, requests: int = 300) -> dict:
    store = "PostgreSQL" if database else "SQLite"
    results: dict = {"store": store, "sizes": {}}
    with tempfile.TemporaryDirectory() as folder:
        for posts in (SMALL_POSTS, big):
            (Path(folder) / str(posts)).mkdir()
        async with (
            procs.fresh_database(database, Path(folder) / str(SMALL_POSTS)) as small_url,
            procs.fresh_database(database, Path(folder) / str(big)) as big_url,
        ):
            servers = {SMALL_POSTS: await serve_seeded(small_url, SMALL_POSTS), big: await serve_seeded(big_url, big)}
            bare, bare_base = await start_bare(small_url)
            try:
                results["sizes"], results["bare"] = await measure_pages(servers, bare_base, small_url, requests)
            finally:
                for server, _ in (*servers.values(), (bare, bare_base)):
                    await server.close()
    report(results, big)
    return results


def report(results: dict, big: int) -> None:
    small, large = results["sizes"][SMALL_POSTS], results["sizes"][big]
    print(f"pages ({results['store']}), p50/p95 in ms, {CONCURRENCY} concurrent clients:")
    print(f"  {'page':<20} {'p50 10k':>8} {'p95 10k':>8} {'p50 big':>8} {'p95 big':>8} {'big/10k':>8}")
    worst = 0.0
    for name in small:
        growth = large[name]["p95_ms"] / small[name]["p95_ms"]
        worst = max(worst, growth)
        record("pages", results["store"], f"{name} p95 at {big:,} posts", large[name]["p95_ms"], "ms",
               ratio=growth, target=f"<= {TARGET_GROWTH}")
        print(f"  {name:<20} {small[name]['p50_ms']:8.1f} {small[name]['p95_ms']:8.1f} {large[name]['p50_ms']:8.1f} "
              f"{large[name]['p95_ms']:8.1f} {growth:8.2f}")
    met = "met" if worst <= TARGET_GROWTH else "NOT met"
    print(f"  worst p95 ratio {big:,} / {SMALL_POSTS:,} posts: {worst:.2f} (target <= {TARGET_GROWTH}: {met})")
    for name, target in TARGET_SHARE.items():
        share = small[name]["per_s"] / results["bare"][name]
        met = "met" if share >= target else "NOT met"
        rates = f"circlefed {small[name]['per_s']:.0f}/s, bare handler {results['bare'][name]:.0f}/s at 10k"
        print(f"  {name}: {rates}: share {share:.3f} (target >= {target}: {met})")
        made = small[name]["made_per_s"]
        print(f"    made for every request (signed-in members; no kept page): {made:.0f}/s, share "
              f"{made / results['bare'][name]:.3f}")
        record("pages", results["store"], f"{name} at {SMALL_POSTS:,} posts, share of a bare handler",
               small[name]["per_s"], "req/s", ratio=share, target=f">= {target}")
    print(json.dumps({"pages": results}, default=str)[:100000])


def main(options: list[str]) -> int:
    def option(name: str, default: str) -> str:
        return next((o.split("=", 1)[1] for o in options if o.startswith(f"--{name}=")), default)

    asyncio.run(run(option("database-url", ""), int(option("big", "1000000")), int(option("requests", "300"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
