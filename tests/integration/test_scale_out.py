"""Scale-out as an operator runs it: `serve --workers 2` and two `circlefed worker` processes on one PostgreSQL,
one of each killed mid-fan-out; and SQLite refusing a second web process or queue worker."""

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys

import aiohttp
import pytest

from circlefed.clock import Clock
from circlefed.storage.models import Delivery, InboxItem, Membership, QueueState
from tests.conftest import POSTGRES_URL
from tests.factories import PASSWORD, local_actor
from tests.fakes.remote import FakeRemote as PeerWithActors
from tests.fakes.remote import free_port, post_signed

from .delivery_remote import FakeRemote
from .test_delivery_crash import Worker, fan_out, until

pytestmark = [pytest.mark.storage, pytest.mark.slow]

FAN_OUT = 1000
FOLLOWERS = 40
ON_POSTGRESQL = pytest.mark.parametrize(
    "db_backend",
    [pytest.param("postgres", marks=pytest.mark.skipif(not POSTGRES_URL, reason="set CIRCLEFED_TEST_DATABASE_URL"))],
)


def operator_env(database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIRCLEFED_")}
    return {
        **env,
        "CIRCLEFED_DATABASE__URL": database_url,
        "CIRCLEFED_INSTANCE__BASE_URL": f"http://127.0.0.1:{port}",
        "CIRCLEFED_FEDERATION__ALLOW_HTTP": "true",
        "CIRCLEFED_FEDERATION__PRIVATE_ADDRESS_ALLOWLIST": "127.0.0.1",
        "CIRCLEFED_WEB__RUN_WORKER": "false",
        "CIRCLEFED_LOGGING__LEVEL": "WARNING",
    }


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "circlefed", *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


class WebProcesses:
    """`circlefed serve --workers N`: the supervisor and the processes that answer."""

    def __init__(self, env: dict[str, str], port: int, count: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "circlefed", "serve", "--port", str(port), "--workers", str(count)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    async def pids(self, session: aiohttp.ClientSession, expected: int, *, timeout: float = 60) -> set[int]:
        """The web processes seen answering /healthz on fresh connections (the kernel spreads them), once
        `expected` of them answer or after timeout seconds."""
        seen: set[int] = set()
        deadline = asyncio.get_running_loop().time() + timeout
        while len(seen) < expected and asyncio.get_running_loop().time() < deadline:
            try:
                async with session.get(f"{self.base}/healthz", headers={"Connection": "close"}) as answer:
                    seen.add((await answer.json())["process"])
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)  # a process starting, or the one just killed
        return seen

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, out + err


async def sign_in(session: aiohttp.ClientSession, base: str) -> None:
    async with session.get(f"{base}/login") as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    form = {"csrf_token": token, "username": "robin", "password": PASSWORD}
    async with session.post(f"{base}/login", data=form, allow_redirects=False) as answer:
        assert answer.status == 303, await answer.text()


async def signed_in_pages(session: aiohttp.ClientSession, base: str, count: int) -> list[int]:
    """The statuses of `count` account pages, each on a new connection (so on either process)."""
    statuses = []
    for _ in range(count):
        async with session.get(f"{base}/account", allow_redirects=False, headers={"Connection": "close"}) as page:
            statuses.append(page.status if "robin" in await page.text() else -page.status)
    return statuses


async def follow_until_accepted(session, peer: PeerWithActors, actor, inbox: str, circle_uri: str) -> None:
    """A peer sends a Follow and sends it again (as peers do) while the web process it reached is gone."""
    follow = peer.activity(actor, "Follow", object=circle_uri)
    for _ in range(100):
        try:
            status, body = await post_signed(session, actor, inbox, follow)
        except aiohttp.ClientError:
            status, body = 0, "connection lost"
        if status == 202:
            return
        assert status in (0, 502, 503), body
        await asyncio.sleep(0.1)
    raise AssertionError(f"the Follow of {actor.name} was never accepted")


@pytest.fixture
async def sender(db):
    return await local_actor("fanout")


@ON_POSTGRESQL
async def test_two_web_and_two_worker_processes_lose_and_duplicate_nothing_when_one_of_each_is_killed(
    database_url, sender, tmp_path
):
    port = free_port()
    env = operator_env(database_url, port)
    assert cli(env, "users", "create", "robin", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    created = cli(env, "circles", "create", "garden", "--name", "Garden", "--visibility", "public")
    assert created.returncode == 0, created.stderr
    remote = await FakeRemote(Clock(), {sender.public_key_id: sender.public_key_pem}).start()
    remote.latency = 0.05
    peer = await PeerWithActors().start()
    followers = [peer.add_actor(f"friend{n}") for n in range(FOLLOWERS)]
    web = WebProcesses(env, port, 2)
    workers = [Worker(database_url, tmp_path, concurrency=8, lease="10s") for _ in range(2)]
    try:
        jar = aiohttp.CookieJar(unsafe=True)  # the instance is at an IP address
        async with aiohttp.ClientSession(cookie_jar=jar) as robin, aiohttp.ClientSession() as peers:
            started = await web.pids(robin, 2)
            assert len(started) == 2, f"both web processes answer: {started}"
            await sign_in(robin, web.base)
            await asyncio.gather(*(w.start() for w in workers))
            await fan_out(remote, sender, FAN_OUT)
            circle = f"{web.base}/c/garden"
            first_half = [follow_until_accepted(peers, peer, a, f"{circle}/inbox", circle) for a in followers[:20]]
            await asyncio.gather(*first_half)

            async def some_delivered():
                return len(remote.accepted()) >= 200

            await until(some_delivered)
            victim = workers[0]
            await victim.kill()
            killed_web = next(iter(started))
            os.kill(killed_web, signal.SIGKILL)
            leased_by_victim = f":{victim.process.pid}:"
            held = await Delivery.filter(state=QueueState.SENDING, leased_by__contains=leased_by_victim).count()
            assert await Delivery.filter(state=QueueState.DELIVERED).count() < FAN_OUT, "killed mid-fan-out"

            second_half = [follow_until_accepted(peers, peer, a, f"{circle}/inbox", circle) for a in followers[20:]]
            pages = signed_in_pages(robin, web.base, 30)
            statuses = (await asyncio.gather(pages, *second_half))[0]

            async def all_done():
                waiting = await Delivery.exclude(state=QueueState.DELIVERED).count()
                return waiting == 0 and await InboxItem.exclude(state=QueueState.DELIVERED).count() == 0

            await until(all_done, timeout=120)  # the killed worker's rows come back when their lease ends
            after = await web.pids(robin, 2)
    finally:
        for worker in workers:
            if worker.process is not None and worker.process.returncode is None:
                await worker.terminate()
        status, output = web.stop()
        await remote.close()
        await peer.close()
    assert status == 0 and "circlefed stopped" in output, output
    assert killed_web not in after and len(after) == 2, "the killed web process was replaced"
    assert statuses == [200] * 30, "the session made on one process is valid on every process, after the kill too"
    pairs = remote.accepted_pairs()
    assert len(pairs) == FAN_OUT, "0 lost: every inbox got the activity"
    resent = sum(pairs.values()) - len(pairs)
    assert resent <= held, f"sent again: {resent}, more than the {held} rows the killed worker held"
    assert await InboxItem.all().count() == FOLLOWERS, "every accepted Follow was stored once"
    assert await Membership.filter(circle__slug="garden").count() == FOLLOWERS, "every Follow made one member"
    # At least once: an Accept the killed worker held may come twice, with the same id (the peer dedupes by it).
    accepts = {a["id"]: a for a in peer.received if a["type"] == "Accept"}
    assert sorted(a["object"]["actor"] for a in accepts.values()) == sorted(f.uri for f in followers)


async def test_sqlite_takes_one_web_process_and_one_queue_worker(tmp_path, database_templates):
    database = tmp_path / "db.sqlite3"
    shutil.copyfile(database_templates["sqlite"], database)
    port = free_port()
    env = operator_env(f"sqlite://{database}", port) | {"CIRCLEFED_WEB__RUN_WORKER": "true"}
    several = cli(env, "serve", "--port", str(port), "--workers", "2")
    assert several.returncode == 2
    assert "--workers 2 needs PostgreSQL" in several.stderr
    first = WebProcesses(env, port, 1)
    try:
        async with aiohttp.ClientSession() as session:
            await until_answers(session, first.base)
        second = cli(env, "serve", "--port", str(free_port()))
        assert second.returncode == 2
        assert "a circlefed web process (`circlefed serve`) is already running on the SQLite database" in second.stderr
        worker = cli(env, "worker")
        assert worker.returncode == 2
        assert "a queue worker" in worker.stderr and "move the instance to PostgreSQL" in worker.stderr
    finally:
        status, output = first.stop()
    assert status == 0, output
    # The lock ends with its process: a worker starts now that the web process (and its in-process worker) is gone.
    queue = Worker(f"sqlite://{database}", tmp_path, concurrency=2)
    await queue.start()
    assert (await queue.terminate())[0] == 0


async def until_answers(session: aiohttp.ClientSession, base: str) -> None:
    for _ in range(300):
        try:
            async with session.get(f"{base}/healthz") as answer:
                if answer.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the web process never answered")


@ON_POSTGRESQL
async def test_metrics_add_up_every_web_process_whichever_answers(database_url, tmp_path):
    port = free_port()
    web = WebProcesses(operator_env(database_url, port), port, 2)
    try:
        async with aiohttp.ClientSession() as session:
            assert len(await web.pids(session, 2)) == 2
            for _ in range(30):  # fresh connections: the kernel spreads them over both processes
                async with session.get(f"{web.base}/login", headers={"Connection": "close"}) as page:
                    assert page.status == 200
            counts = []
            for _ in range(4):  # whichever process answers /metrics, it counts both processes' pages
                async with session.get(f"{web.base}/metrics", headers={"Connection": "close"}) as answer:
                    text = await answer.text()
                counts.append(sum(
                    float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                    if line.startswith("circlefed_http_requests_total{") and 'route="/login"' in line
                ))
    finally:
        status, output = web.stop()
    assert status == 0, output
    assert counts == [30.0] * 4


@ON_POSTGRESQL
async def test_web_processes_that_keep_failing_at_startup_are_not_restarted_for_ever(database_url):
    with socket.socket() as taken:  # another program holds the port (no SO_REUSEPORT): every bind fails
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = operator_env(database_url, port)
        serve = await asyncio.to_thread(cli, env, "serve", "--port", str(port), "--workers", "2")
    assert serve.returncode == 1
    assert "web processes keep ending within 10 s of starting" in serve.stderr
    assert "not restarting them" in serve.stderr
