"""Bench: one post fanned out to 1,000 inboxes on 50 loopback hosts, circlefed vs a bare sign-and-POST loop.

For each key type (RSA-2048, what local actors have; Ed25519, where signing is nearly free so the queue's own
cost shows) and each placement (`circlefed worker` beside a web process with web.run_worker = false, and the
default in-process worker), every round measures the bare loop and circlefed back to back on the same fresh
database, with the same page probe (GET of a real thread page, 20 replies, on the web process every 10 ms,
from its own process) running during both; the database is seeded by `circlefed dev seed`'s code with that one
thread. Options: --database-url=postgres://user@host/db (a fresh database is created next to
it), --rounds=N (default 3), --keys=rsa,ed25519."""

from __future__ import annotations

import asyncio
import contextlib
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from tortoise.transactions import in_transaction

from circlefed.cli.seed import SeedSize, seed
from circlefed.delivery.fanout import enqueue_deliveries
from circlefed.delivery.outbox import activity_body, store_activity
from circlefed.domain.site import Site
from circlefed.protocol.httpsig_sign import sign_cavage
from circlefed.protocol.keys import generate_rsa_keypair
from circlefed.storage.db import activated, apply_migrations, open_database
from circlefed.storage.models import Actor, Delivery, Instance, QueueState
from tests.bench import procs
from tests.bench.results import record
from tests.factories import ed25519_keypair

INBOXES = 1000
HOSTS = 50
CONCURRENCY = 16
IDLE_PROBES = 300
USER_AGENT = "circlefed-bench"
CONTENT_TYPE = "application/activity+json"
_state: dict[str, str] = {}


@dataclass(frozen=True)
class Run:
    """One round of one placement: the bare loop, then circlefed, with the page probe running in both."""

    rate: float
    cpu_ms: float  # CPU of the sending process (worker, or web with the in-process worker) per delivery
    web_cpu_ms: float  # CPU of the web process per delivery (the page probe; with in-process, the sending too)
    bare_rate: float
    bare_cpu_ms: float
    idle: list[float]  # page GET seconds with nothing else running
    during_bare: list[float]
    busy: list[float]  # during circlefed's fan-out
    duplicates: int

    @property
    def ratio(self) -> float:
        return self.rate / self.bare_rate


def inbox_urls(port: int) -> list[str]:
    return [f"http://127.0.0.{2 + n % HOSTS}:{port}/users/u{n}/inbox" for n in range(INBOXES)]


def payload(actor_uri: str, n: int) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor_uri}/activities/{n}",
        "type": "Create",
        "actor": actor_uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": f"{actor_uri}/posts/{n}",
            "type": "Note",
            "content": "<p>Tonight's circle meets at seven. Bring only yourself.</p>" * 3,
        },
    }


async def bare_loop(urls: list[str], body: bytes, *, key_id: str, private_pem: str) -> tuple[float, float]:
    """(deliveries per second, CPU ms per delivery) of the limit: sign (same key, same headers) and POST."""
    gate = asyncio.Semaphore(CONCURRENCY)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:

        async def one(url: str) -> int:
            async with gate:
                headers = sign_cavage(
                    method="POST",
                    url=url,
                    headers={"Content-Type": CONTENT_TYPE, "User-Agent": USER_AGENT},
                    body=body,
                    key_id=key_id,
                    private_key_pem=private_pem,
                    now=datetime.now(UTC),
                )
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    return response.status

        started, cpu = time.perf_counter(), time.process_time()
        statuses = await asyncio.gather(*(one(url) for url in urls))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert set(statuses) == {202}, set(statuses)
    return len(urls) / elapsed, cpu * 1000 / len(urls)


async def prepare_database(url: str, key_type: str, n: int, base: str) -> tuple[dict, str, str]:
    """Migrate, seed one circle with one thread of 20 replies (the page probed), create the sending actor;
    returns (activity payload, key id, private PEM)."""
    ctx = await open_database(url)
    try:
        await apply_migrations(ctx)
        with activated(ctx):
            site = Site.for_base_url(base, base.removeprefix("http://"), "bench")
            await seed(site, SeedSize(circles=1, threads=1, posts=20, members=5))
            private, public = generate_rsa_keypair() if key_type == "rsa" else ed25519_keypair()
            instance = await Instance.get(domain=site.domain)
            uri = f"{base}/u/bench"
            await Actor.create(
                uri=uri,
                type="Person",
                instance=instance,
                is_local=True,
                local_name="bench",
                preferred_username="bench",
                public_key_id=f"{uri}#main-key",
                public_key_pem=public,
                private_key_pem=private,
            )
    finally:
        await ctx.close_connections()
    return payload(uri, n), f"{uri}#main-key", private


@contextlib.asynccontextmanager
async def enqueuer(url: str) -> AsyncIterator[Callable[[dict, list[str]], Awaitable[None]]]:
    """What the web process does when a member posts: one transaction storing the activity and its rows.
    The database is opened (and the actor loaded) before the clock starts, as a web process has it open."""
    ctx = await open_database(url)
    try:
        with activated(ctx):
            actor = await Actor.get(local_name="bench")

            async def enqueue(activity: dict, urls: list[str]) -> None:
                now = datetime.now(UTC)
                async with in_transaction():
                    stored = await store_activity(
                        uri=activity["id"],
                        type="Create",
                        actor=actor,
                        payload=activity,
                        now=now,
                        object_uri=activity["object"]["id"],
                    )
                    await enqueue_deliveries(
                        stored, urls, local_domain="127.0.0.1", ordering_key=stored.object_uri, now=now
                    )

            yield enqueue
    finally:
        await ctx.close_connections()


async def delivered(url: str) -> int:
    ctx = await open_database(url)
    try:
        with activated(ctx):
            return await Delivery.filter(state=QueueState.DELIVERED).count()
    finally:
        await ctx.close_connections()


async def thread_page(web: procs.Process) -> str:
    base = web.url.removesuffix("/healthz")
    async with aiohttp.ClientSession() as session, session.get(f"{base}/c/circle1") as response:
        return base + re.search(r'href="(/t/[^"#?]+)"', await response.text()).group(1)


async def measure(
    url: str, key: tuple[dict, str, str], urls: list[str], *, in_process: bool, folder: Path, port: int
) -> Run:
    """Idle page latency, then the bare loop and circlefed's fan-out of the same activity, probed alike."""
    activity, key_id, private = key
    receivers = procs.receivers_port()
    web = await procs.start_web(url, folder, run_worker=in_process, concurrency=CONCURRENCY, port=port)
    worker = None if in_process else await procs.start_worker(url, folder, concurrency=CONCURRENCY)
    sender = web if in_process else worker
    try:
        page = await thread_page(web)
        idle = await procs.probe_latencies(page, count=IDLE_PROBES)
        await procs.reset_receivers(receivers)
        probe = await procs.Probe.start(page)
        bare_rate, bare_cpu = await bare_loop(urls, activity_body(activity), key_id=key_id, private_pem=private)
        during_bare = await probe.latencies()
        await procs.reset_receivers(receivers)
        async with enqueuer(url) as enqueue:
            probe = await procs.Probe.start(page)
            started, cpu, web_cpu = time.perf_counter(), sender.cpu_seconds(), web.cpu_seconds()
            await enqueue(activity, urls)
            counts = await procs.wait_for_receivers(receivers, len(urls))
            cpu, web_cpu = sender.cpu_seconds() - cpu, web.cpu_seconds() - web_cpu
            busy = await probe.latencies()
    finally:
        for process in (worker, web):
            if process is not None:
                await process.stop()
    assert await delivered(url) == len(urls)
    # Ends when the last inbox received its POST (the receivers' clock is the same monotonic clock), not at
    # the next poll of the receivers' counter.
    return Run(
        len(urls) / (counts["last"] - started),
        cpu * 1000 / len(urls),
        web_cpu * 1000 / len(urls),
        bare_rate,
        bare_cpu,
        idle,
        during_bare,
        busy,
        counts["requests"] - counts["unique"],
    )


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 10 else float("nan")


async def run(options: list[str]) -> int:
    database = next((o.split("=", 1)[1] for o in options if o.startswith("--database-url=")), "")
    rounds = int(next((o.split("=", 1)[1] for o in options if o.startswith("--rounds=")), "3"))
    _state["store"] = "PostgreSQL" if database else "SQLite"
    receivers = await procs.start_receivers(HOSTS)
    try:
        urls = inbox_urls(procs.receivers_port())
        print(
            f"{INBOXES} inboxes on {HOSTS} loopback hosts, concurrency {CONCURRENCY}, "
            f"{'PostgreSQL' if database else 'SQLite'}; {rounds} rounds, each measuring the bare loop and "
            "circlefed back to back (the machine is shared: best rates, per-round ratios, pooled p99)",
            flush=True,
        )
        keys = next((o.split("=", 1)[1] for o in options if o.startswith("--keys=")), "rsa,ed25519")
        for key_type in keys.split(","):
            await compare(key_type, urls, database, rounds)
    finally:
        await receivers.stop()
    return 0


async def one_round(key_type: str, urls: list[str], database: str, n: int) -> tuple[Run, Run]:
    """The `circlefed worker` placement, then the in-process worker, each on a fresh database."""
    runs = []
    for in_process in (False, True):
        with tempfile.TemporaryDirectory() as folder:
            async with procs.fresh_database(database, Path(folder)) as url:
                port = procs.free_port()
                key = await prepare_database(url, key_type, n, f"http://127.0.0.1:{port}")
                runs.append(await measure(url, key, urls, in_process=in_process, folder=Path(folder), port=port))
    return runs[0], runs[1]


def report(runs: list[Run], title: str, target: bool, figure: str) -> None:
    """Prints one placement's figures and records them under `figure` (e.g. "RSA, worker process")."""
    best, ratios = max(runs, key=lambda r: r.rate), sorted(r.ratio for r in runs)
    bare = max(r.bare_rate for r in runs)
    idle, during_bare, busy = ([x for r in runs for x in getattr(r, name)] for name in ("idle", "during_bare", "busy"))
    print(f"  {title}")
    print(
        f"    fan-out: circlefed {best.rate:.0f}/s, bare {bare:.0f}/s (best rounds), ratio {best.rate / bare:.2f}; "
        f"per round {statistics.median(ratios):.2f} median, {ratios[0]:.2f}-{ratios[-1]:.2f}"
        f"{' (target >= 0.7)' if target else ''}"
    )
    cpu, bare_cpu = statistics.median(r.cpu_ms for r in runs), statistics.median(r.bare_cpu_ms for r in runs)
    web_cpu = statistics.median(r.web_cpu_ms for r in runs)
    print(
        f"    CPU per delivery (median): circlefed {cpu:.2f} ms, bare {bare_cpu:.2f} ms (bare/circlefed "
        f"{bare_cpu / cpu:.2f}: the ratio a machine with nothing else to run would approach); "
        f"web process {web_cpu:.2f} ms"
    )
    print(
        f"    thread page GET p99 ({len(idle)}/{len(during_bare)}/{len(busy)} GETs over all rounds): idle "
        f"{p99(idle):.1f} ms, during the bare loop {p99(during_bare):.1f} ms ({p99(during_bare) / p99(idle):.1f}x), "
        f"during the fan-out {p99(busy):.1f} ms ({p99(busy) / p99(idle):.1f}x{', target <= 2x' if target else ''})"
    )
    store = _state["store"]
    record("delivery", store, f"fan-out, {figure}", best.rate, "deliveries/s", ratio=best.rate / bare,
           target=">= 0.7" if target else "")
    record("delivery", store, f"thread page p99 idle, {figure}", p99(idle), "ms")
    record("delivery", store, f"thread page p99 during fan-out, {figure}", p99(busy), "ms",
           ratio=p99(busy) / p99(idle), target="<= 2" if target else "")


async def compare(key_type: str, urls: list[str], database: str, rounds: int) -> None:
    label = {"rsa": "RSA-2048, the key of local actors", "ed25519": "Ed25519: signing nearly free, no target"}
    results = [await one_round(key_type, urls, database, n) for n in range(rounds)]
    print(f"[{label[key_type]}]")
    report([r[0] for r in results], "`circlefed worker` process, web.run_worker = false", key_type == "rsa",
           f"{key_type}, worker process")
    report([r[1] for r in results], "in-process worker, web.run_worker = true (the default)", False,
           f"{key_type}, in-process worker")
    duplicates = sum(r.duplicates for pair in results for r in pair)
    print(f"  duplicate deliveries over all rounds: {duplicates}", flush=True)


def main(options: list[str]) -> int:
    return asyncio.run(run(options))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
