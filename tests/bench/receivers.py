"""Bench: minimal inbox receivers on 127.0.0.2 .. 127.0.0.(N+1), one port, answering 202 (a subprocess).

`python -m tests.bench.receivers N` prints `ready PORT`; GET /_count on any host answers
{"requests": total POSTs, "unique": distinct (host, path, activity id), "last": time.perf_counter() when the
latest new one arrived (CLOCK_MONOTONIC, comparable across processes on Linux)}; POST /_reset clears them."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
import time

from aiohttp import web


class Tally:
    def __init__(self) -> None:
        self.requests = 0
        self.seen: set[tuple[str, str, str]] = set()
        self.last = 0.0

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests += 1
        key = (request.host, request.path, json.loads(body).get("id", ""))
        if key not in self.seen:
            self.seen.add(key)
            self.last = time.perf_counter()
        return web.Response(status=202)

    async def count(self, request: web.Request) -> web.Response:
        return web.json_response({"requests": self.requests, "unique": len(self.seen), "last": self.last})

    async def reset(self, request: web.Request) -> web.Response:
        self.requests, self.seen, self.last = 0, set(), 0.0
        return web.json_response({"requests": 0, "unique": 0, "last": 0.0})


def host(n: int) -> str:
    return f"127.0.0.{n + 2}"


async def serve(hosts: int) -> None:
    tally = Tally()
    app = web.Application()
    app.router.add_get("/_count", tally.count)
    app.router.add_post("/_reset", tally.reset)
    app.router.add_post("/{tail:.*}", tally.inbox)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = await _bind_all(runner, hosts)
    print(f"ready {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


async def _bind_all(runner: web.AppRunner, hosts: int) -> int:
    for _ in range(20):
        port = random.randint(20000, 60000)
        try:
            for n in range(hosts):
                await web.TCPSite(runner, host(n), port).start()
        except OSError:
            for site in list(runner.sites):
                await site.stop()
            continue
        return port
    raise SystemExit("no port free on every loopback host")


if __name__ == "__main__":
    # These hosts stand in for other machines: on this one they run last, so that the page latency measured
    # on the web process shows what circlefed's own fan-out costs it, not what the stand-ins cost.
    os.nice(19)
    asyncio.run(serve(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
