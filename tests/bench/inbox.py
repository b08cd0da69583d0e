"""Benchmark: signed Create activities accepted per second at the shared inbox vs a bare verifying handler.

Both servers run in this process and face the same client; the rounds alternate and the best of each side is
compared, with the median and range of the per-round ratios beside it. Options:
--database-url=postgres://user@host/db (a fresh database is created next to it; default a SQLite file),
--rounds=N (default 5)."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

from circlefed.app import create_app
from circlefed.protocol.httpsig_parse import parse_signed_request
from circlefed.protocol.httpsig_sign import sign_cavage
from circlefed.protocol.httpsig_verify import verify_signed_request
from circlefed.storage.db import apply_migrations, open_database
from tests.bench import procs
from tests.bench.results import record
from tests.conftest import settings_for
from tests.fakes.remote import AS2, FakeRemote, reserved_socket, server_on

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
CONCURRENCY = 16
TARGET_RATIO = 0.5


def presign(remote: FakeRemote, actor, url: str, count: int, tag: str) -> list[tuple[bytes, dict[str, str]]]:
    """Distinct signed Creates (signing is the sender's cost, so it happens before the clock starts)."""
    now = datetime.now(UTC)
    signed = []
    for n in range(count):
        activity = remote.activity(actor, id=f"{actor.uri}/bench/{tag}/{n}")
        activity["object"]["id"] = f"{actor.uri}/bench-notes/{tag}/{n}"
        body = json.dumps(activity).encode()
        headers = sign_cavage(
            method="POST",
            url=url,
            headers={"Content-Type": AS2},
            body=body,
            key_id=actor.key_id,
            private_key_pem=actor.private_pem,
            now=now,
        )
        signed.append((body, headers))
    return signed


async def blast(url: str, requests: list[tuple[bytes, dict[str, str]]]) -> float:
    """Send every request with CONCURRENCY workers; returns accepted requests per second."""
    queue: asyncio.Queue = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    statuses: list[int] = []

    async def worker(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            body, headers = queue.get_nowait()
            async with session.post(url, data=body, headers=headers) as response:
                statuses.append(response.status)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    accepted = statuses.count(202)
    if accepted != len(requests):
        raise RuntimeError(f"only {accepted} of {len(requests)} requests were accepted: {set(statuses)}")
    return accepted / elapsed


def bare_app(public_key_pem: str, host: str) -> web.Application:
    """The limit: verify the same signature and parse the same JSON, nothing else."""

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.raw_headers]
        signed = parse_signed_request(method="POST", path_qs=request.raw_path, headers=headers, body=body)
        verify_signed_request(
            signed, public_key_pem=public_key_pem, expected_host=host, now=datetime.now(UTC), url_scheme="http"
        )
        json.loads(body)
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    return app


async def run(database: str = "", rounds: int = 5) -> dict[str, float]:
    remote = await FakeRemote().start()
    actor = remote.add_actor("bench")
    try:
        with tempfile.TemporaryDirectory() as folder:
            async with procs.fresh_database(database, Path(folder)) as database_url:
                circlefed_rates, bare_rates = await _measure(remote, actor, database_url, rounds)
    finally:
        await remote.close()
    circlefed_rate, bare_rate = max(circlefed_rates), max(bare_rates)
    ratio = circlefed_rate / bare_rate
    per_round = sorted(ours / limit for ours, limit in zip(circlefed_rates, bare_rates, strict=True))
    print(
        f"inbox ({'PostgreSQL' if database else 'SQLite'}): circlefed {circlefed_rate:.0f} signed Creates/s, "
        f"bare verifying handler {bare_rate:.0f}/s (best rounds), ratio {ratio:.2f} (target >= {TARGET_RATIO}); "
        f"per round {statistics.median(per_round):.2f} median, {per_round[0]:.2f}-{per_round[-1]:.2f}"
    )
    store = "PostgreSQL" if database else "SQLite"
    record("inbox", store, "signed Creates accepted", circlefed_rate, "req/s", ratio=ratio, target=f">= {TARGET_RATIO}")
    return {"circlefed_per_s": circlefed_rate, "bare_per_s": bare_rate, "ratio": ratio}


async def _measure(remote: FakeRemote, actor, database_url: str, rounds: int) -> tuple[list[float], list[float]]:
    """The rates of each side over alternating rounds, round by round (each circlefed round is followed by a
    bare one): the machine's background load hits both alike."""
    ctx = await open_database(database_url)
    await apply_migrations(ctx)
    await ctx.close_connections()
    sock = reserved_socket()
    port = sock.getsockname()[1]
    settings = settings_for(
        database_url,
        base_url=f"http://127.0.0.1:{port}",
        federation={"allow_http": True, "private_address_allowlist": ["127.0.0.1"]},
        # One sender sends everything: the per-domain limit would answer 429 and measure the limiter.
        moderation={"domain_deliveries_per_minute": 0},
        # Accepting is measured: processing belongs to the worker (here it would compete for the same loop).
        web={"run_worker": False},
        logging={"level": "WARNING"},
    )
    circlefed = server_on(create_app(settings), sock)
    await circlefed.start_server()
    bare_sock = reserved_socket()
    bare_port = bare_sock.getsockname()[1]
    bare = server_on(bare_app(actor.public_pem, f"127.0.0.1:{bare_port}"), bare_sock)
    await bare.start_server()
    try:
        circlefed_url, bare_url = f"http://127.0.0.1:{port}/inbox", f"http://127.0.0.1:{bare_port}/inbox"
        await blast(circlefed_url, presign(remote, actor, circlefed_url, 5, "warm"))  # caches the key
        circlefed_rates, bare_rates = [], []
        for round_number in range(rounds):
            ours = presign(remote, actor, circlefed_url, REQUESTS, f"c{round_number}")
            limit = presign(remote, actor, bare_url, REQUESTS, f"b{round_number}")
            circlefed_rates.append(await blast(circlefed_url, ours))
            bare_rates.append(await blast(bare_url, limit))
    finally:
        await circlefed.close()
        await bare.close()
    return circlefed_rates, bare_rates


def main(options: list[str]) -> int:
    database = next((o.split("=", 1)[1] for o in options if o.startswith("--database-url=")), "")
    rounds = int(next((o.split("=", 1)[1] for o in options if o.startswith("--rounds=")), "5"))
    asyncio.run(run(database, rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
