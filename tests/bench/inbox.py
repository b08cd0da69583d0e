"""Benchmark: signed Create activities accepted per second at the shared inbox vs a bare verifying handler."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from circlefed.app import create_app
from circlefed.protocol.httpsig import parse_signed_request, sign_cavage, verify_signed_request
from circlefed.storage.db import apply_migrations, open_database
from tests.conftest import settings_for
from tests.fakes.remote import AS2, FakeRemote, free_port

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
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


async def run() -> dict[str, float]:
    remote = await FakeRemote().start()
    actor = remote.add_actor("bench")
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite://{Path(folder) / 'bench.sqlite3'}"
        ctx = await open_database(database_url)
        await apply_migrations(ctx)
        await ctx.close_connections()
        port = free_port()
        settings = settings_for(
            database_url,
            base_url=f"http://127.0.0.1:{port}",
            federation={"allow_http": True, "private_address_allowlist": ["127.0.0.1"]},
            logging={"level": "WARNING"},
        )
        circlefed = TestServer(create_app(settings), host="127.0.0.1", port=port)
        await circlefed.start_server()
        bare_port = free_port()
        bare = TestServer(bare_app(actor.public_pem, f"127.0.0.1:{bare_port}"), host="127.0.0.1", port=bare_port)
        await bare.start_server()
        try:
            circlefed_url, bare_url = f"http://127.0.0.1:{port}/inbox", f"http://127.0.0.1:{bare_port}/inbox"
            await blast(circlefed_url, presign(remote, actor, circlefed_url, 5, "warm"))  # caches the key
            circlefed_rates, bare_rates = [], []
            # Alternating rounds, best of each: the machine's background load hits both sides alike.
            for round_number in range(ROUNDS):
                tag = f"r{round_number}"
                circlefed_rates.append(
                    await blast(circlefed_url, presign(remote, actor, circlefed_url, REQUESTS, f"c{tag}"))
                )
                bare_rates.append(await blast(bare_url, presign(remote, actor, bare_url, REQUESTS, f"b{tag}")))
            circlefed_rate, bare_rate = max(circlefed_rates), max(bare_rates)
        finally:
            await circlefed.close()
            await bare.close()
            await remote.close()
    ratio = circlefed_rate / bare_rate
    print(
        f"inbox: circlefed {circlefed_rate:.0f} signed Creates/s, bare verifying handler {bare_rate:.0f}/s, "
        f"ratio {ratio:.2f} (target >= {TARGET_RATIO})"
    )
    return {"circlefed_per_s": circlefed_rate, "bare_per_s": bare_rate, "ratio": ratio}


if __name__ == "__main__":
    asyncio.run(run())
