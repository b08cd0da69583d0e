"""Bench: the processes a benchmark runs (receivers, web, worker), probes and throwaway databases."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg

_state: dict[str, int] = {}


class Process:
    def __init__(self, process: asyncio.subprocess.Process, url: str = "") -> None:
        self.process = process
        self.url = url

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(self.process.communicate(), timeout=60)
            if self.process.returncode not in (0, -signal.SIGTERM):
                print(err.decode()[-2000:], file=sys.stderr)


def _env(database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "CIRCLEFED_DATABASE__URL": database_url,
        "CIRCLEFED_FEDERATION__ALLOW_HTTP": "true",
        "CIRCLEFED_FEDERATION__PRIVATE_ADDRESS_ALLOWLIST": "127.0.0.0/8",
        "CIRCLEFED_DELIVERY__POLL_INTERVAL": "0.05",
        "CIRCLEFED_LOGGING__LEVEL": "WARNING",
        **extra,
    }


async def _spawn(args: list[str], env: dict[str, str], cwd: Path | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )


async def start_receivers(hosts: int) -> Process:
    process = await _spawn(["-m", "tests.bench.receivers", str(hosts)], dict(os.environ))
    line = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
    if not line.startswith("ready "):
        raise SystemExit(f"receivers did not start: {line}{(await process.stderr.read()).decode()}")
    _state["receivers_port"] = int(line.split()[1])
    return Process(process)


def receivers_port() -> int:
    return _state["receivers_port"]


async def reset_receivers(port: int) -> None:
    async with aiohttp.ClientSession() as session, session.post(f"http://127.0.0.2:{port}/_reset") as response:
        await response.read()


async def wait_for_receivers(port: int, unique: int, timeout: float = 600) -> dict:
    deadline = time.perf_counter() + timeout
    async with aiohttp.ClientSession() as session:
        while time.perf_counter() < deadline:
            async with session.get(f"http://127.0.0.2:{port}/_count") as response:
                counts = await response.json()
            if counts["unique"] >= unique:
                return counts
            await asyncio.sleep(0.02)
    raise SystemExit(f"only {counts['unique']} of {unique} deliveries arrived")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_web(database_url: str, folder: Path, *, run_worker: bool, concurrency: int) -> Process:
    port = _free_port()
    env = _env(
        database_url,
        CIRCLEFED_INSTANCE__BASE_URL=f"http://127.0.0.1:{port}",
        CIRCLEFED_WEB__RUN_WORKER="true" if run_worker else "false",
        CIRCLEFED_DELIVERY__CONCURRENCY=str(concurrency),
    )
    process = Process(await _spawn(["-m", "circlefed", "serve", "--port", str(port)], env, folder))
    process.url = f"http://127.0.0.1:{port}/healthz"
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(process.url) as response:
                    if response.status == 200:
                        return process
            if process.process.returncode is not None:
                break
            await asyncio.sleep(0.05)
    await process.stop()
    error = (await process.process.stderr.read()).decode()[-3000:]
    raise SystemExit(f"the web process did not answer /healthz: {error}")


async def start_worker(database_url: str, folder: Path, *, concurrency: int) -> Process:
    process = await _spawn(["-m", "circlefed", "worker", "--concurrency", str(concurrency)], _env(database_url), folder)
    line = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
    if "running" not in line:
        raise SystemExit(f"worker did not start: {line}{(await process.stderr.read()).decode()}")
    return Process(process)


async def probe_latencies(url: str, *, count: int = 0, running: asyncio.Event | None = None) -> list[float]:
    """Seconds per GET, one request every 10 ms: `count` of them, or for as long as `running` is set."""
    latencies: list[float] = []
    async with aiohttp.ClientSession() as session:
        while running.is_set() if running is not None else len(latencies) < count:
            started = time.perf_counter()
            async with session.get(url) as response:
                await response.read()
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.01)
    return latencies


@contextlib.asynccontextmanager
async def fresh_database(base_url: str, folder: Path) -> AsyncIterator[str]:
    """A new empty database: a SQLite file in folder, or a new PostgreSQL database next to base_url."""
    if not base_url:
        yield f"sqlite://{folder / 'bench.sqlite3'}"
        return
    name = f"cf_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(base_url.replace("postgres://", "postgresql://", 1))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(base_url)
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
