"""Bench: the processes a benchmark runs (receivers, web, worker, page probe) and throwaway databases.

`python -m tests.bench.procs probe URL [COUNT]` GETs URL every 10 ms (COUNT times, or until SIGTERM) and
prints `ready` after an untimed first GET, then the latencies in seconds as one JSON list.
`python -m tests.bench.procs load URL CONNECTIONS (SECONDS|xCOUNT)` GETs URL back to back on CONNECTIONS
keep-alive connections for SECONDS (or COUNT requests in all) and prints {"requests", "seconds", "errors",
"cpu_seconds"} (its own CPU time)."""

from __future__ import annotations

import asyncio
import contextlib
import json
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_web(
    database_url: str, folder: Path, *, run_worker: bool, concurrency: int, port: int = 0, workers: int = 1
) -> Process:
    """`circlefed serve` (with `workers` web processes) on port (default: a free one), once /healthz answers."""
    port = port or free_port()
    env = _env(
        database_url,
        CIRCLEFED_INSTANCE__BASE_URL=f"http://127.0.0.1:{port}",
        CIRCLEFED_WEB__RUN_WORKER="true" if run_worker else "false",
        CIRCLEFED_DELIVERY__CONCURRENCY=str(concurrency),
    )
    command = ["-m", "circlefed", "serve", "--port", str(port), "--workers", str(workers)]
    process = Process(await _spawn(command, env, folder))
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
    # The same settings as its web process (web.run_worker = false), as the README says to run it.
    env = _env(database_url, CIRCLEFED_WEB__RUN_WORKER="false")
    process = await _spawn(["-m", "circlefed", "worker", "--concurrency", str(concurrency)], env, folder)
    line = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
    if "running" not in line:
        raise SystemExit(f"worker did not start: {line}{(await process.stderr.read()).decode()}")
    return Process(process)


class Probe:
    """The page-GET client in a process of its own: the bench process's work (the bare loop, polling the
    receivers) never delays it, and it loads the machine the same way whatever runs beside it."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, url: str, count: int = 0) -> Probe:
        process = await _spawn(["-m", "tests.bench.procs", "probe", url, str(count)], dict(os.environ))
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
        if line.strip() != "ready":
            raise SystemExit(f"the probe did not start: {line}{(await process.stderr.read()).decode()}")
        return cls(process)

    async def latencies(self, *, stop: bool = True) -> list[float]:
        """The seconds of each GET, once the probe has stopped (asked to with stop, else after COUNT GETs)."""
        if stop and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(self.process.communicate(), timeout=120)
        if self.process.returncode != 0:
            raise SystemExit(f"the probe failed: {err.decode()[-2000:]}")
        return json.loads(out)


async def probe_latencies(url: str, *, count: int) -> list[float]:
    """count GETs of url from a probe process, one every 10 ms."""
    return await (await Probe.start(url, count)).latencies(stop=False)


async def _probe(url: str, count: int) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    latencies: list[float] = []
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:  # opens the connection: not counted
            await response.read()
        print("ready", flush=True)
        while not stop.is_set() and (count == 0 or len(latencies) < count):
            started = time.perf_counter()
            async with session.get(url) as response:
                await response.read()
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.01)
    print(json.dumps(latencies), flush=True)


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


async def _load(url: str, connections: int, until: str) -> None:
    count = int(until[1:]) if until.startswith("x") else 0
    deadline = time.perf_counter() + (0 if count else float(until))
    done, errors = [0], [0]

    async def client(session: aiohttp.ClientSession) -> None:
        while (done[0] + errors[0] < count) if count else (time.perf_counter() < deadline):
            try:
                async with session.get(url) as response:
                    await response.read()
                    ok = response.status == 200
            except aiohttp.ClientError:
                ok = False
            done[0] += ok
            errors[0] += not ok

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(connections)))
        seconds = time.perf_counter() - started
    figures = {"requests": done[0], "seconds": seconds, "errors": errors[0], "cpu_seconds": time.process_time()}
    print(json.dumps(figures), flush=True)


async def load(url: str, connections: int, until: str) -> dict:
    """GETs of url on `connections` connections from a load process, for `until` seconds or "xCOUNT" requests."""
    process = await _spawn(["-m", "tests.bench.procs", "load", url, str(connections), until], dict(os.environ))
    out, err = await process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"the load process failed: {err.decode()[-2000:]}")
    return json.loads(out)


def pids_of(program: str) -> list[int]:
    """The processes of this machine running `program` (e.g. "postgres": the server and its backends, whose
    process titles start with "postgres:")."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv0 = (entry / "cmdline").read_bytes().split(b"\0", 1)[0].decode(errors="replace")
        except OSError:  # ended meanwhile, or not ours to read
            continue
        if argv0.startswith(f"{program}:") or Path(argv0).name == program:
            found.append(int(entry.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (those that ended meanwhile count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise SystemExit(f"no VmRSS for process {pid}")


if __name__ == "__main__" and sys.argv[1:2] == ["load"]:
    asyncio.run(_load(sys.argv[2], int(sys.argv[3]), sys.argv[4]))

if __name__ == "__main__" and sys.argv[1:2] == ["probe"]:
    asyncio.run(_probe(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0))
