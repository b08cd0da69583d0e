"""Bench: one post fanned out to 1,000 inboxes on 50 loopback hosts, circlefed vs a bare sign-and-POST loop.

For each key type (RSA-2048, what local actors have; Ed25519, where signing is nearly free so the queue's own
cost shows) it measures the bare loop, `circlefed worker` beside a web process with web.run_worker = false,
and the default in-process worker, plus the p99 of GET /healthz on the web process, idle and during the
fan-out. Options: --database-url=postgres://user@host/db (a fresh database is created next to it),
--rounds=N (default 3; the best round counts, medians for latency), --keys=rsa,ed25519."""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from tortoise.transactions import in_transaction

from circlefed.delivery.outbox import activity_body, enqueue_deliveries, store_activity
from circlefed.protocol.httpsig import sign_cavage
from circlefed.protocol.keys import generate_rsa_keypair
from circlefed.storage.db import activated, apply_migrations, open_database
from circlefed.storage.models import Actor, Delivery, Instance, QueueState
from tests.bench import procs
from tests.unit.delivery.support import ed25519_keypair

INBOXES = 1000
HOSTS = 50
CONCURRENCY = 16
USER_AGENT = "circlefed-bench"
CONTENT_TYPE = "application/activity+json"


@dataclass(frozen=True)
class Run:
    rate: float
    cpu_ms: float  # CPU of the sending process per delivery
    idle_p99_ms: float
    busy_p99_ms: float
    duplicates: int


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


async def prepare_database(url: str, key_type: str, n: int) -> tuple[dict, str, str]:
    """Migrate, create the sending actor; returns (activity payload, key id, private PEM)."""
    ctx = await open_database(url)
    try:
        await apply_migrations(ctx)
        with activated(ctx):
            private, public = generate_rsa_keypair() if key_type == "rsa" else ed25519_keypair()
            instance = await Instance.create(domain="127.0.0.1", is_local=True)
            uri = "http://127.0.0.1/u/bench"
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


async def enqueue(url: str, activity: dict, urls: list[str]) -> None:
    ctx = await open_database(url)
    try:
        with activated(ctx):
            actor = await Actor.get(local_name="bench")
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
    finally:
        await ctx.close_connections()


async def delivered(url: str) -> int:
    ctx = await open_database(url)
    try:
        with activated(ctx):
            return await Delivery.filter(state=QueueState.DELIVERED).count()
    finally:
        await ctx.close_connections()


async def circlefed_run(database_url: str, activity: dict, urls: list[str], *, in_process: bool, folder: Path) -> Run:
    receivers = procs.receivers_port()
    web = await procs.start_web(database_url, folder, run_worker=in_process, concurrency=CONCURRENCY)
    worker = None if in_process else await procs.start_worker(database_url, folder, concurrency=CONCURRENCY)
    try:
        idle = await procs.probe_latencies(web.url, count=300)
        await procs.reset_receivers(receivers)
        running = asyncio.Event()
        running.set()
        probing = asyncio.ensure_future(procs.probe_latencies(web.url, running=running))
        sender = web if in_process else worker
        started, cpu = time.perf_counter(), sender.cpu_seconds()
        await enqueue(database_url, activity, urls)
        counts = await procs.wait_for_receivers(receivers, len(urls))
        elapsed, cpu = time.perf_counter() - started, sender.cpu_seconds() - cpu
        running.clear()
        busy = await probing
    finally:
        for process in (worker, web):
            if process is not None:
                await process.stop()
    assert await delivered(database_url) == len(urls)
    return Run(
        len(urls) / elapsed,
        cpu * 1000 / len(urls),
        p99(idle),
        p99(busy) if len(busy) > 10 else float("nan"),
        counts["requests"] - counts["unique"],
    )


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] * 1000


async def run(options: list[str]) -> int:
    database = next((o.split("=", 1)[1] for o in options if o.startswith("--database-url=")), "")
    rounds = int(next((o.split("=", 1)[1] for o in options if o.startswith("--rounds=")), "3"))
    receivers = await procs.start_receivers(HOSTS)
    try:
        urls = inbox_urls(procs.receivers_port())
        print(
            f"{INBOXES} inboxes on {HOSTS} loopback hosts, concurrency {CONCURRENCY}, "
            f"{'PostgreSQL' if database else 'SQLite'}; best of {rounds} rounds (the machine is shared)",
            flush=True,
        )
        keys = next((o.split("=", 1)[1] for o in options if o.startswith("--keys=")), "rsa,ed25519")
        for key_type in keys.split(","):
            await compare(key_type, urls, database, rounds)
    finally:
        await receivers.stop()
    return 0


async def one_round(key_type: str, urls: list[str], database: str, n: int) -> tuple[float, Run, Run]:
    """The bare loop, then circlefed with a separate worker process, then with the in-process worker."""
    runs = []
    for in_process in (False, True):
        with tempfile.TemporaryDirectory() as folder:
            async with procs.fresh_database(database, Path(folder)) as url:
                activity, key_id, private = await prepare_database(url, key_type, n)
                if not in_process:
                    await procs.reset_receivers(procs.receivers_port())
                    bare = await bare_loop(urls, activity_body(activity), key_id=key_id, private_pem=private)
                runs.append(await circlefed_run(url, activity, urls, in_process=in_process, folder=Path(folder)))
    return bare, runs[0], runs[1]


async def compare(key_type: str, urls: list[str], database: str, rounds: int) -> None:
    label = {"rsa": "RSA-2048, the key of local actors", "ed25519": "Ed25519: signing nearly free, no target"}
    results = [await one_round(key_type, urls, database, n) for n in range(rounds)]
    bare = max(r[0][0] for r in results)
    bare_cpu = statistics.median(r[0][1] for r in results)
    worker_cpu = statistics.median(r[1].cpu_ms for r in results)
    worker = max((r[1] for r in results), key=lambda run: run.rate)
    inproc = max((r[2] for r in results), key=lambda run: run.rate)
    idle = statistics.median(r[1].idle_p99_ms for r in results)
    busy = statistics.median(r[1].busy_p99_ms for r in results)
    in_idle = statistics.median(r[2].idle_p99_ms for r in results)
    in_busy = statistics.median(r[2].busy_p99_ms for r in results)
    target = " (target >= 0.7)" if key_type == "rsa" else ""
    print(f"[{label[key_type]}]")
    print(
        f"delivery fan-out: circlefed {worker.rate:.0f}/s, bare {bare:.0f}/s, ratio {worker.rate / bare:.2f}{target}"
        f"  [`circlefed worker` process, web.run_worker = false]"
    )
    print(
        f"CPU per delivery: circlefed worker {worker_cpu:.2f} ms, bare {bare_cpu:.2f} ms "
        f"(bare/circlefed {bare_cpu / worker_cpu:.2f}: the ratio an otherwise idle machine would approach)"
    )
    print(
        f"page GET /healthz p99 on the web process: idle {idle:.1f} ms, during fan-out {busy:.1f} ms "
        f"({busy / idle:.1f}x{', target <= 2x' if target else ''})"
    )
    print(
        f"in-process worker (web.run_worker = true): {inproc.rate:.0f}/s, ratio {inproc.rate / bare:.2f}; "
        f"page GET p99 idle {in_idle:.1f} ms, during fan-out {in_busy:.1f} ms ({in_busy / in_idle:.1f}x)"
    )
    duplicates = sum(r[1].duplicates + r[2].duplicates for r in results)
    print(f"duplicate deliveries over all rounds: {duplicates}", flush=True)


def main(options: list[str]) -> int:
    return asyncio.run(run(options))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
