"""Crash safety and exactly-once claiming with real worker processes (`python -m circlefed worker`)."""

import asyncio
import os
import signal
import sys

import pytest

from circlefed.clock import Clock
from circlefed.storage.models import Delivery, QueueState
from tests.conftest import POSTGRES_URL
from tests.factories import local_actor
from tests.unit.delivery.support import activity, enqueue

from .delivery_remote import FakeRemote

pytestmark = [pytest.mark.storage, pytest.mark.slow]


class Worker:
    """A `circlefed worker` subprocess against the test database."""

    def __init__(self, database_url: str, cwd, *, concurrency: int, lease: str = "10s") -> None:
        self.env = {
            **os.environ,
            "CIRCLEFED_DATABASE__URL": database_url,
            "CIRCLEFED_FEDERATION__ALLOW_HTTP": "true",
            "CIRCLEFED_FEDERATION__PRIVATE_ADDRESS_ALLOWLIST": "127.0.0.1",
            "CIRCLEFED_DELIVERY__LEASE": lease,
            "CIRCLEFED_DELIVERY__REQUEST_TIMEOUT": "5s",
            "CIRCLEFED_DELIVERY__POLL_INTERVAL": "0.1",
            "CIRCLEFED_LOGGING__LEVEL": "WARNING",
        }
        self.cwd = cwd
        self.concurrency = concurrency
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "circlefed",
            "worker",
            "--concurrency",
            str(self.concurrency),
            env=self.env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout=30)
        assert b"running" in line, line + await self.process.stderr.read()

    async def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def terminate(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(self.process.communicate(), timeout=30)
        return self.process.returncode, out.decode() + err.decode()


async def until(condition, timeout: float = 60) -> None:
    async def poll():
        while not await condition():
            await asyncio.sleep(0.05)  # watching other processes make progress, not waiting out a backoff

    await asyncio.wait_for(poll(), timeout=timeout)


async def fan_out(remote, sender, inboxes: int) -> None:
    stored = await activity(sender, Clock().now())
    await enqueue(stored, [remote.inbox(f"u/{n}/inbox") for n in range(inboxes)], Clock().now())


@pytest.fixture
async def sender(db):
    return await local_actor("crash")


@pytest.fixture
async def remote(sender):
    server = await FakeRemote(Clock(), {sender.public_key_id: sender.public_key_pem}).start()
    server.latency = 0.01
    yield server
    await server.close()


async def test_a_worker_killed_mid_fan_out_loses_nothing(database_url, sender, remote, tmp_path):
    await fan_out(remote, sender, 500)
    worker = Worker(database_url, tmp_path, concurrency=8)
    await worker.start()

    async def some_delivered():
        return len(remote.accepted()) >= 150

    await until(some_delivered)
    await worker.kill()  # SIGKILL: no chance to finish or release anything
    in_flight = await Delivery.filter(state=QueueState.SENDING).count()
    assert 0 < await Delivery.filter(state=QueueState.DELIVERED).count() < 500

    restarted = Worker(database_url, tmp_path, concurrency=8)
    await restarted.start()
    # The worker gives up CPU priority (delivery.worker_nice, 10 by default) so that pages come first.
    assert os.getpriority(os.PRIO_PROCESS, restarted.process.pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)

    async def all_delivered():
        return await Delivery.filter(state=QueueState.DELIVERED).count() == 500

    await until(all_delivered)
    status, output = await restarted.terminate()
    assert status == 0 and "circlefed worker stopped" in output
    pairs = remote.accepted_pairs()
    assert len(pairs) == 500  # 0 lost: every inbox got the activity
    duplicates = sum(pairs.values()) - len(pairs)
    assert duplicates <= in_flight  # only rows whose lease was held at the crash were sent again


# SQLite takes one queue worker (tests/integration/test_scale_out.py shows a second one refused).
@pytest.mark.parametrize(
    "db_backend",
    [pytest.param("postgres", marks=pytest.mark.skipif(not POSTGRES_URL, reason="set CIRCLEFED_TEST_DATABASE_URL"))],
)
async def test_two_workers_deliver_a_thousand_rows_with_no_duplicate(database_url, sender, remote, tmp_path):
    # A lease long enough that a worker starved of CPU (it runs at nice 10 beside the test processes) still holds
    # its rows when it sends them: this test is about two workers claiming rows, not about expired leases.
    workers = [Worker(database_url, tmp_path, concurrency=8, lease="60s") for _ in range(2)]
    await asyncio.gather(*(w.start() for w in workers))
    await fan_out(remote, sender, 1000)  # queued while both are polling: they race for every row

    async def all_delivered():
        return await Delivery.filter(state=QueueState.DELIVERED).count() == 1000

    await until(all_delivered, timeout=120)
    for status, output in await asyncio.gather(*(w.terminate() for w in workers)):
        assert status == 0, output
    pairs = remote.accepted_pairs()
    assert len(pairs) == 1000
    assert [pair for pair, count in pairs.items() if count > 1] == []
    assert len(remote.received) == 1000
