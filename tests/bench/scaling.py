"""Bench: what a second web process buys on PostgreSQL, and whether a web process's memory grows with use.

On a fresh PostgreSQL database seeded by `circlefed dev seed`'s code (2 circles, 2,000 replies, 50 members),
`circlefed serve --workers 1`, then `--workers 2`, answer a real thread page to 16 keep-alive clients in a load
process of their own for ROUND_SECONDS, ROUNDS times each (best round kept; the rounds alternate so the machine's
background load hits both alike); the ratio is printed (target >= 1.6 on 2 cores), with the CPU a page costs
the web process, PostgreSQL and the load client, and from those the most two web processes can give on cores
they share with the other two (the ceiling a dedicated database and client machine would lift). The single web process's
resident memory is read idle (started, no request), warm (after WARM_VIEWS views) and after 10,000 views of the
home, circle and thread pages; growth is after/warm (target < 10 %: a leak grows with every view, warming up
does not). SQLite takes one web process, so this benchmark needs --database-url=postgres://... (or
CIRCLEFED_TEST_DATABASE_URL) and says so otherwise."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
from pathlib import Path

import aiohttp

from circlefed.cli.seed import SeedSize, seed
from circlefed.domain.site import Site
from circlefed.storage.db import activated, apply_migrations, open_database
from tests.bench import procs
from tests.bench.results import record

CONNECTIONS = 16
ROUNDS = 3
ROUND_SECONDS = "8"
WARM_VIEWS = 300
VIEWS = 10_000
TARGET_SPEEDUP = ">= 1.6"
TARGET_GROWTH = "<= 1.1"


async def seeded(database_url: str, base: str) -> None:
    ctx = await open_database(database_url)
    try:
        await apply_migrations(ctx)
        with activated(ctx):
            await seed(Site.for_base_url(base, base.removeprefix("http://"), "bench"), SeedSize(2, 100, 2_000, 50))
    finally:
        await ctx.close_connections()


async def pages_of(base: str) -> dict[str, str]:
    async with aiohttp.ClientSession() as session, session.get(f"{base}/c/circle1") as response:
        thread = re.search(r'href="(/t/[^"#?]+)"', await response.text()).group(1)
    return {"home": f"{base}/", "circle": f"{base}/c/circle1", "thread": f"{base}{thread}"}


async def answering(base: str, count: int) -> set[int]:
    """The pids of the web processes behind base, once `count` of them answered /healthz."""
    seen: set[int] = set()
    async with aiohttp.ClientSession() as session:
        for _ in range(400):
            async with session.get(f"{base}/healthz", headers={"Connection": "close"}) as response:
                seen.add((await response.json())["process"])
            if len(seen) == count:
                return seen
    raise SystemExit(f"only {len(seen)} of {count} web processes answered")


async def rate(url: str, web_pids: list[int]) -> dict[str, float]:
    """Pages per second over one round, and the CPU each part spent per page: the web processes, PostgreSQL
    and the load client, all on the same cores."""
    database_pids = procs.pids_of("postgres")
    web_before, database_before = procs.cpu_seconds(web_pids), procs.cpu_seconds(database_pids)
    figures = await procs.load(url, CONNECTIONS, ROUND_SECONDS)
    if figures["errors"]:
        raise SystemExit(f"{figures['errors']} requests of {url} failed")
    pages = figures["requests"]
    return {
        "per_s": pages / figures["seconds"],
        "web_ms": (procs.cpu_seconds(web_pids) - web_before) * 1000 / pages,
        "database_ms": (procs.cpu_seconds(database_pids) - database_before) * 1000 / pages,
        "client_ms": figures["cpu_seconds"] * 1000 / pages,
    }


async def run(database: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with procs.fresh_database(database, Path(folder)) as url:
            port = procs.free_port()
            base = f"http://127.0.0.1:{port}"
            await seeded(url, base)
            rounds: dict[int, list[dict[str, float]]] = {1: [], 2: []}
            for _ in range(ROUNDS):
                for workers in (1, 2):
                    web = await procs.start_web(url, Path(folder), run_worker=False, concurrency=1, port=port,
                                                workers=workers)
                    try:
                        pids = await answering(base, workers)
                        pages = await pages_of(base)
                        if workers == 1 and not rounds[1]:
                            await memory(next(iter(pids)), pages)
                        await procs.load(pages["thread"], CONNECTIONS, "x200")  # warm both processes
                        rounds[workers].append(await rate(pages["thread"], sorted({web.process.pid, *pids})))
                    finally:
                        await web.stop()
    report(max(rounds[1], key=lambda r: r["per_s"]), max(rounds[2], key=lambda r: r["per_s"]))


def report(one: dict[str, float], two: dict[str, float]) -> None:
    speedup = two["per_s"] / one["per_s"]
    # The cores are shared: PostgreSQL and the load client run beside the web processes, so two of them can at
    # most serve cores / (all CPU a page costs, measured in the 2-process round) pages a second.
    cores = os.cpu_count() or 1
    per_page_ms = two["web_ms"] + two["database_ms"] + two["client_ms"]
    ceiling = cores * 1000 / per_page_ms / one["per_s"]
    print(f"  thread page, {CONNECTIONS} clients, best of {ROUNDS} rounds of {ROUND_SECONDS} s: 1 web process "
          f"{one['per_s']:.0f}/s, 2 web processes {two['per_s']:.0f}/s: {speedup:.2f}x (target {TARGET_SPEEDUP})")
    print(f"  CPU per page: web {one['web_ms']:.2f} ms with 1 process, {two['web_ms']:.2f} ms with 2; with 2, "
          f"PostgreSQL {two['database_ms']:.2f} ms and the load client {two['client_ms']:.2f} ms: on {cores} shared "
          f"cores the most 2 web processes can give is {ceiling:.2f}x; measured {speedup / ceiling:.0%} of that")
    record("scaling", "PostgreSQL", "thread page, 1 web process", one["per_s"], "req/s")
    record("scaling", "PostgreSQL", "thread page, 2 web processes", two["per_s"], "req/s", ratio=speedup,
           target=TARGET_SPEEDUP)
    record("scaling", "PostgreSQL", "thread page, ceiling of 2 web processes on these cores", ceiling, "x",
           ratio=speedup / ceiling)


async def memory(pid: int, pages: dict[str, str]) -> None:
    idle = procs.rss_bytes(pid)
    for url in pages.values():
        await procs.load(url, 4, f"x{WARM_VIEWS // len(pages)}")
    warm = procs.rss_bytes(pid)
    for url in pages.values():
        await procs.load(url, 4, f"x{VIEWS // len(pages)}")
    after = procs.rss_bytes(pid)
    mib = 1024 * 1024
    print(f"  web process memory: idle {idle / mib:.1f} MiB, after {WARM_VIEWS} views {warm / mib:.1f} MiB, after "
          f"{VIEWS:,} more {after / mib:.1f} MiB: growth {after / warm:.3f}x warm (target {TARGET_GROWTH}), "
          f"{after / idle:.3f}x idle")
    record("scaling", "PostgreSQL", "web process RSS, idle", idle / mib, "MiB")
    record("scaling", "PostgreSQL", f"web process RSS, after {WARM_VIEWS} views", warm / mib, "MiB",
           ratio=warm / idle)
    record("scaling", "PostgreSQL", f"web process RSS, after {VIEWS:,} more views", after / mib, "MiB",
           ratio=after / warm, target=TARGET_GROWTH)


def main(options: list[str]) -> int:
    database = next((o.split("=", 1)[1] for o in options if o.startswith("--database-url=")), "")
    database = database or os.environ.get("CIRCLEFED_TEST_DATABASE_URL", "")
    if not database.startswith("postgres"):
        print("  scaling: needs PostgreSQL (SQLite takes one web process): pass --database-url=postgres://... "
              "or set CIRCLEFED_TEST_DATABASE_URL; not measured")
        return 0
    print(f"  {os.cpu_count()} cores; PostgreSQL", flush=True)
    asyncio.run(run(database))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
