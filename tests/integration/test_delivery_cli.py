"""`circlefed deliveries list|retry|purge` and the worker inside the web app."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from circlefed.app import create_app
from circlefed.cli.main import main
from circlefed.storage.db import activated, open_database
from circlefed.storage.models import Delivery, Instance, QueueState
from circlefed.web.keys import RUNNER
from tests.conftest import settings_for
from tests.factories import local_actor
from tests.unit.delivery.support import activity, enqueue

pytestmark = pytest.mark.storage


@pytest.fixture
def cli_env(monkeypatch, database_url, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CIRCLEFED_DATABASE__URL", database_url)
    return database_url


@pytest.fixture
async def queued(cli_env, db):
    """Four deliveries: delivered long ago, failed long ago, failed recently, waiting to retry."""
    now = datetime.now(UTC)
    stored = await activity(await local_actor(), now)
    await enqueue(
        stored,
        [
            "https://old.example/inbox",
            "https://down.example/inbox",
            "https://down.example/u/x/inbox",
            "https://slow.example/inbox",
        ],
        now,
    )
    rows = await Delivery.all().order_by("id")
    long_ago = now - timedelta(days=40)
    await Delivery.filter(id=rows[0].id).update(state=QueueState.DELIVERED, finished_at=long_ago, last_status=202)
    await Delivery.filter(id=rows[1].id).update(
        state=QueueState.FAILED, finished_at=long_ago, attempts=16, last_error="gave up after 16 attempts"
    )
    await Delivery.filter(id=rows[2].id).update(state=QueueState.FAILED, finished_at=now, attempts=16)
    await Delivery.filter(id=rows[3].id).update(
        state=QueueState.RETRY_WAIT, attempts=2, next_attempt_at=now + timedelta(hours=1)
    )
    await Instance.create(domain="down.example", failure_count=9, backoff_until=now + timedelta(hours=3))
    return [r.id for r in rows]


def read(database_url, query):
    """Run query() on its own connection (the CLI under test runs its own event loop)."""

    async def go():
        ctx = await open_database(database_url)
        try:
            with activated(ctx):
                return await query()
        finally:
            await ctx.close_connections()

    return asyncio.run(go())


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_list_filters_by_state_and_domain(queued, capsys):
    status, out, _ = run(capsys, "deliveries", "list")
    assert status == 0 and len(out.splitlines()) == 5 and out.splitlines()[0].startswith("ID")
    _, out, _ = run(capsys, "deliveries", "list", "--state", "failed")
    assert [line.split()[0] for line in out.splitlines()[1:]] == [str(queued[2]), str(queued[1])]
    _, out, _ = run(capsys, "deliveries", "list", "--domain", "slow.example")
    assert len(out.splitlines()) == 2 and "retry_wait" in out


def test_retry_one_failed_delivery(queued, cli_env, capsys):
    status, out, _ = run(capsys, "deliveries", "retry", "--id", str(queued[1]))
    assert status == 0 and "due now" in out
    row = read(cli_env, lambda: Delivery.get(id=queued[1]))
    assert (row.state, row.attempts, row.finished_at) == (QueueState.PENDING, 0, None)


def test_retry_a_domain_requeues_its_deliveries_and_resets_its_backoff(queued, cli_env, capsys):
    status, out, _ = run(capsys, "deliveries", "retry", "--domain", "Down.Example")
    assert status == 0 and "requeued 2 deliveries to down.example" in out
    assert {d.state for d in read(cli_env, lambda: Delivery.filter(domain="down.example"))} == {QueueState.PENDING}
    instance = read(cli_env, lambda: Instance.get(domain="down.example"))
    assert (instance.failure_count, instance.backoff_until) == (0, None)


def test_purge_removes_only_old_rows_in_that_state(queued, cli_env, capsys):
    status, out, _ = run(capsys, "deliveries", "purge", "--state", "failed", "--older-than", "30d")
    assert status == 0 and "purged 1 failed deliveries older than 30d" in out
    assert sorted(read(cli_env, lambda: Delivery.all().values_list("id", flat=True))) == [queued[0], *queued[2:]]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["deliveries", "retry", "--id", "999"], "no delivery with id 999"),
        (["deliveries", "list", "--state", "lost"], "unknown state 'lost'"),
        (["deliveries", "purge", "--state", "pending", "--older-than", "30d"], "only finished deliveries"),
        (["deliveries", "purge", "--state", "failed", "--older-than", "a month"], "age must look like"),
    ],
)
def test_bad_requests_are_clear_errors(queued, capsys, argv, message):
    status, _, err = run(capsys, *argv)
    assert status == 1 and message in err


def test_a_delivered_row_cannot_be_retried(queued, capsys):
    status, _, err = run(capsys, "deliveries", "retry", "--id", str(queued[0]))
    assert status == 1 and "is delivered; only failed or retry_wait deliveries can be retried" in err


async def test_the_web_process_runs_the_worker_unless_told_not_to(aiohttp_client, database_url):
    client = await aiohttp_client(create_app(settings_for(database_url)))
    runner = client.app[RUNNER]
    assert runner._task is not None and not runner._task.done()
    metrics = await (await client.get("/metrics")).text()
    assert "circlefed_delivery_attempts" in metrics and "circlefed_domains_backing_off" in metrics
    await client.close()
    assert runner._task is None  # stopped with the app

    quiet = await aiohttp_client(create_app(settings_for(database_url, web={"run_worker": False})))
    assert RUNNER not in quiet.app
