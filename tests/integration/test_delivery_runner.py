"""The runner: inbox items through the registered handler, the background loop, and a clean stop."""

import asyncio
from datetime import timedelta

import pytest

from circlefed.app import create_app
from circlefed.clock import Clock
from circlefed.delivery.jobs import PermanentFailure
from circlefed.delivery.runner import Runner
from circlefed.delivery.sender import Sender
from circlefed.delivery.signed_http import SignedHttp
from circlefed.errors import ConfigError
from circlefed.http_client import SafeHttpClient
from circlefed.settings import DeliverySettings
from circlefed.storage.models import Delivery, InboxItem, QueueState
from tests.conftest import settings_for
from tests.factories import local_actor
from tests.unit.delivery.support import activity, enqueue

from .delivery_remote import FakeRemote

pytestmark = pytest.mark.storage


@pytest.fixture
async def http():
    client = SafeHttpClient(user_agent="circlefed-test", allow_http=True, private_address_allowlist=["127.0.0.1"])
    await client.start()
    yield client
    await client.close()


def make_runner(http, clock, **delivery) -> Runner:
    # Generous: a busy machine can take longer than half a second for a loopback POST; timeout tests set theirs.
    settings = DeliverySettings(**{"request_timeout": 5.0, "lease": 60.0, "poll_interval": 0.05, **delivery})
    sender = Sender(SignedHttp(http, clock), clock, timeout=settings.request_timeout)
    return Runner(settings, sender=sender, clock=clock)


async def inbox_item(clock, n: int) -> InboxItem:
    return await InboxItem.create(
        activity_uri=f"https://remote.example/a/{n}",
        actor_uri="https://remote.example/u/kim",
        domain="remote.example",
        payload={"id": f"https://remote.example/a/{n}", "type": "Create"},
        next_attempt_at=clock.now(),
        received_at=clock.now(),
    )


async def test_without_an_inbox_handler_items_wait_and_nothing_breaks(db, http, clock):
    await inbox_item(clock, 1)
    counts = await make_runner(http, clock).run_once()
    assert sum(counts.inbox.values()) == 0
    assert (await InboxItem.get(id=1)).state is QueueState.PENDING


async def test_inbox_items_go_through_the_registered_handler(db, http, clock):
    for n in range(4):
        await inbox_item(clock, n)
    seen = []

    async def handler(item: InboxItem):
        seen.append(item.activity_uri)
        verdicts = {
            "https://remote.example/a/1": QueueState.HELD,
        }
        if item.activity_uri.endswith("/2"):
            raise RuntimeError("the remote object could not be fetched")
        if item.activity_uri.endswith("/3"):
            raise PermanentFailure("unsupported activity")
        return verdicts.get(item.activity_uri)

    runner = make_runner(http, clock)
    runner.register("inbox", handler)
    counts = await runner.run_once()
    assert sorted(seen) == [f"https://remote.example/a/{n}" for n in range(4)]
    assert counts.inbox == {"delivered": 1, "held": 1, "retry_wait": 1, "failed": 1}
    retrying = await InboxItem.get(activity_uri="https://remote.example/a/2")
    assert retrying.next_attempt_at > clock.now() and "could not be fetched" in retrying.last_error
    clock.advance(timedelta(hours=1))
    await runner.run_once()
    assert len(seen) == 5  # only the retrying item came back


def test_unknown_job_kinds_are_refused(http, clock):
    with pytest.raises(ValueError, match="unknown job kind"):
        make_runner(http, clock).register("email", lambda item: None)


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"concurrency": 0}, "delivery.concurrency"),
        ({"lease": 5.0, "request_timeout": 10.0}, "delivery.lease"),
        ({"worker_nice": 20}, "delivery.worker_nice"),
        ({"worker_nice": -1}, "delivery.worker_nice"),
    ],
)
def test_unusable_settings_are_refused_with_the_key(http, clock, values, key):
    with pytest.raises(ConfigError, match=key):
        make_runner(http, clock, **values)


async def test_the_background_loop_delivers_what_is_queued_later(db, http, clock):
    sender = await local_actor()
    remote = await FakeRemote(clock, {sender.public_key_id: sender.public_key_pem}).start()
    runner = make_runner(http, clock)
    await runner.start()
    try:
        stored = await activity(sender, clock.now())
        await enqueue(stored, [remote.inbox(f"u/{n}/inbox") for n in range(20)], clock.now())
        await asyncio.wait_for(_until(lambda: len(remote.accepted()) == 20), timeout=10)
    finally:
        await runner.stop()
        await remote.close()
    assert await Delivery.filter(state=QueueState.DELIVERED).count() == 20


async def test_stopping_releases_work_that_does_not_finish_in_time(db, http, clock):
    started = asyncio.Event()

    async def stuck(item):
        started.set()
        await asyncio.Event().wait()

    await inbox_item(clock, 1)
    runner = make_runner(http, clock, request_timeout=0.2)
    runner.register("inbox", stuck)
    await runner.start()
    await asyncio.wait_for(started.wait(), timeout=5)
    await asyncio.wait_for(runner.stop(), timeout=5)
    item = await InboxItem.get(id=1)
    assert (item.state, item.attempts, item.leased_by) == (QueueState.PENDING, 0, None)


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.02)  # polling real progress of the background loop, not waiting out a backoff


async def test_finished_inbox_items_are_pruned_after_the_retention_period(db, clock):
    # SPEC: issue 20 item 3 (processed inbox items pruned after a retention period, a setting)
    from circlefed.domain.site import Site
    from circlefed.federation.retention_job import InboxPruneJob

    states = [QueueState.DELIVERED, QueueState.FAILED, QueueState.REJECTED, QueueState.PENDING, QueueState.DELIVERED]
    for n, state in enumerate(states):
        item = await inbox_item(clock, n)
        item.state, item.finished_at = state, None if state is QueueState.PENDING else clock.now()
        await item.save()
    clock.advance(timedelta(days=8))
    await InboxItem.filter(id=5).update(finished_at=clock.now())  # finished just now: kept
    site = Site.for_base_url("https://here.example", "here.example", "here")
    assert await InboxPruneJob(site, clock, keep_seconds=0).run_once() == 0, "0 keeps everything"
    assert await InboxPruneJob(site, clock, keep_seconds=7 * 86400).run_once() == 3
    assert sorted(await InboxItem.all().values_list("id", flat=True)) == [4, 5]


async def test_the_worker_inside_the_web_process_waits_for_a_slow_inbox_as_circlefed_worker_does(
    aiohttp_client, database_url, db
):
    """One wiring (issue 18): the web process's worker sends with the client `circlefed worker` builds, so an
    inbox slower than federation.fetch_timeout but within delivery.request_timeout is delivered, not cut off."""
    federation = {"allow_http": True, "private_address_allowlist": ["127.0.0.1"], "fetch_timeout": 0.3}
    settings = settings_for(database_url, federation=federation, delivery={"request_timeout": 5.0})
    sender = await local_actor()
    remote = await FakeRemote(Clock(), {sender.public_key_id: sender.public_key_pem}).start()
    remote.latency = 1.0
    client = await aiohttp_client(create_app(settings))
    try:
        now = Clock().now()
        await enqueue(await activity(sender, now), [remote.inbox()], now)
        await asyncio.wait_for(_until(lambda: len(remote.accepted()) == 1), timeout=15)
    finally:
        await client.close()
        await remote.close()
    assert [d.state for d in await Delivery.all()] == [QueueState.DELIVERED]
