"""Delivering to a real (fake) remote over loopback: signatures, every answer class, backoff on a fake clock."""

import threading
from datetime import timedelta
from unittest.mock import patch

import pytest
from prometheus_client import CollectorRegistry

from circlefed.delivery import signed_http
from circlefed.delivery.health import record_inbound_success
from circlefed.delivery.metrics import DeliveryMetrics
from circlefed.delivery.runner import Runner
from circlefed.delivery.sender import Sender
from circlefed.delivery.signed_http import SignedHttp
from circlefed.http_client import SafeHttpClient
from circlefed.settings import DeliverySettings
from circlefed.storage.models import Delivery, Instance, QueueState, SignatureScheme
from tests.factories import local_actor
from tests.unit.delivery.support import activity, enqueue

from .delivery_remote import FakeRemote

pytestmark = pytest.mark.storage


@pytest.fixture
async def http():
    client = SafeHttpClient(
        user_agent="circlefed-test", allow_http=True, private_address_allowlist=["127.0.0.1"], total_timeout=5
    )
    await client.start()
    yield client
    await client.close()


@pytest.fixture
async def remote(clock):
    server = await FakeRemote(clock, {}).start()
    yield server
    await server.close()


@pytest.fixture
async def actor(db, remote):
    sender = await local_actor("robin", rsa=True)  # the real key type of local members
    remote.public_keys[sender.public_key_id] = sender.public_key_pem
    return sender


def make_runner(http, clock, registry=None, **delivery) -> Runner:
    # A generous timeout: on a busy machine a loopback POST can take longer than half a second, and a timed-out
    # request would count as retried without reaching the fake remote. Tests of timeouts set their own.
    settings = DeliverySettings(**{"request_timeout": 5.0, "lease": 60.0, **delivery})
    sender = Sender(SignedHttp(http, clock), clock, timeout=settings.request_timeout)
    metrics = DeliveryMetrics(registry) if registry is not None else None
    return Runner(settings, sender=sender, clock=clock, metrics=metrics, worker_id="test-worker")


async def post(actor, clock, inboxes, **kwargs):
    stored = await activity(actor, clock.now(), **kwargs)
    await enqueue(stored, inboxes, clock.now(), ordering_key=stored.object_uri)
    return stored


async def only_row() -> Delivery:
    [row] = await Delivery.all()
    return row


async def test_a_post_reaches_every_inbox_once_with_a_valid_signature(actor, remote, http, clock):
    stored = await post(actor, clock, [remote.inbox("u/a/inbox"), remote.inbox("u/b/inbox"), remote.inbox("inbox")])
    registry = CollectorRegistry()
    counts = await make_runner(http, clock, registry).run_once()
    assert counts.delivered == 3
    assert sorted((r.path, r.activity_id, r.scheme) for r in remote.received) == [
        ("/inbox", stored.uri, "cavage"),
        ("/u/a/inbox", stored.uri, "cavage"),
        ("/u/b/inbox", stored.uri, "cavage"),
    ]
    assert remote.refused == []
    assert {(d.state, d.last_status, d.attempts) for d in await Delivery.all()} == {(QueueState.DELIVERED, 202, 1)}
    attempts = registry.get_sample_value(
        "circlefed_delivery_attempts_total", {"queue": "delivery", "outcome": "delivered"}
    )
    assert attempts == 3
    assert registry.get_sample_value("circlefed_delivery_latency_seconds_count") == 3
    assert registry.get_sample_value("circlefed_queue_depth", {"queue": "delivery", "state": "delivered"}) == 3
    assert (await make_runner(http, clock).run_once()).delivered == 0  # nothing is sent twice


async def test_a_401_to_cavage_retries_with_rfc9421_and_the_host_is_remembered(actor, remote, http, clock):
    remote.refuse_cavage = True
    await post(actor, clock, [remote.inbox()])
    assert (await make_runner(http, clock).run_once()).delivered == 1
    assert [r.scheme for r in remote.received] == ["rfc9421"]
    assert len(remote.refused) == 1
    assert (await Instance.get(domain=remote.domain)).signature_scheme == SignatureScheme.RFC9421
    # A new worker process (fresh memory) starts with the remembered scheme: no second refusal.
    await post(actor, clock, [remote.inbox()])
    assert (await make_runner(http, clock).run_once()).delivered == 1
    assert [r.scheme for r in remote.received] == ["rfc9421", "rfc9421"]
    assert len(remote.refused) == 1


async def test_a_host_that_later_refuses_rfc9421_gets_cavage_again(actor, remote, http, clock):
    await Instance.create(domain=remote.domain, signature_scheme=SignatureScheme.RFC9421)
    remote.answer(401)  # the RFC 9421 attempt is refused once
    await post(actor, clock, [remote.inbox()])
    assert (await make_runner(http, clock).run_once()).delivered == 1
    assert [(r.scheme, r.status) for r in remote.received] == [("rfc9421", 401), ("cavage", 202)]
    assert (await Instance.get(domain=remote.domain)).signature_scheme == SignatureScheme.CAVAGE


async def test_410_means_gone_and_is_never_retried(actor, remote, http, clock):
    remote.answer(410)
    await post(actor, clock, [remote.inbox()])
    runner = make_runner(http, clock)
    assert (await runner.run_once()).gone == 1
    clock.advance(timedelta(days=1))
    await runner.run_once()
    assert len(remote.received) == 1
    row = await only_row()
    assert (row.state, row.last_status, row.finished_at is not None) == (QueueState.GONE, 410, True)


async def test_429_waits_for_retry_after_then_delivers(actor, remote, http, clock):
    remote.answer(429, retry_after="120")
    await post(actor, clock, [remote.inbox()])
    runner = make_runner(http, clock)
    assert (await runner.run_once()).retried == 1
    row = await only_row()
    assert row.state is QueueState.RETRY_WAIT and row.last_status == 429
    assert row.next_attempt_at >= clock.now() + timedelta(seconds=120)
    assert (await Instance.get(domain=remote.domain)).backoff_until == clock.now() + timedelta(seconds=120)
    clock.advance(60)
    await runner.run_once()
    assert len(remote.received) == 1  # not before the server said
    clock.advance(timedelta(hours=1))
    assert (await runner.run_once()).delivered == 1
    assert (await only_row()).attempts == 2


async def test_500s_back_off_exponentially_then_fail_at_max_attempts(actor, remote, http, clock):
    remote.answer(500, times=10)
    await post(actor, clock, [remote.inbox()])
    runner = make_runner(http, clock, max_attempts=3, base_backoff=30.0)
    waits = []
    for _ in range(3):
        before = clock.now()
        await runner.run_once()
        row = await only_row()
        if row.state is QueueState.RETRY_WAIT:
            waits.append((row.next_attempt_at - before).total_seconds())
            clock.set(max(row.next_attempt_at, await _domain_free_at(remote)))
    assert 15 <= waits[0] <= 30 and 30 <= waits[1] <= 60
    row = await only_row()
    assert row.state is QueueState.FAILED and row.attempts == 3
    assert "gave up after 3 attempts" in row.last_error and "HTTP 500" in row.last_error
    assert len(remote.received) == 3


async def _domain_free_at(remote):
    instance = await Instance.get_or_none(domain=remote.domain)
    return instance.backoff_until if instance and instance.backoff_until else remote.clock.now()


async def test_a_hanging_server_times_out_and_is_retried(actor, remote, http, clock):
    remote.hang()
    await post(actor, clock, [remote.inbox()])
    counts = await make_runner(http, clock, request_timeout=0.5).run_once()
    assert counts.retried == 1
    row = await only_row()
    assert row.state is QueueState.RETRY_WAIT and "no answer" in row.last_error and row.last_status is None


@pytest.mark.parametrize("status", [400, 403, 404, 422])
async def test_other_client_errors_fail_at_once(actor, remote, http, clock, status):
    remote.answer(status)
    await post(actor, clock, [remote.inbox()])
    assert (await make_runner(http, clock).run_once()).failed == 1
    row = await only_row()
    assert (row.state, row.last_status, row.last_error) == (QueueState.FAILED, status, f"HTTP {status}")


async def test_an_update_is_never_delivered_before_its_create(actor, remote, http, clock):
    note = "http://127.0.0.1:8080/p/ordered"
    remote.answer(503, retry_after="30")  # the Create fails once
    await post(actor, clock, [remote.inbox()], type="Create", object_uri=note)
    await post(actor, clock, [remote.inbox()], type="Update", object_uri=note)
    runner = make_runner(http, clock)
    await runner.run_once()
    assert [r.activity_type for r in remote.received] == ["Create"]
    clock.advance(timedelta(minutes=5))
    await runner.run_once()
    assert [(r.activity_type, r.status) for r in remote.received] == [
        ("Create", 503),
        ("Create", 202),
        ("Update", 202),
    ]


async def test_a_failing_domain_waits_as_a_whole_until_it_sends_a_valid_request(actor, remote, http, clock):
    remote.answer(500, times=3)
    await post(actor, clock, [remote.inbox(f"u/{n}/inbox") for n in range(3)])
    runner = make_runner(http, clock)
    assert (await runner.run_once()).retried == 3
    assert (await Instance.get(domain=remote.domain)).backoff_until is not None
    await post(actor, clock, [remote.inbox("u/new/inbox")])
    await runner.run_once()
    assert len(remote.received) == 3  # the new delivery waits with its domain
    await record_inbound_success(remote.domain)  # called by the inbox for a valid signed request
    assert (await runner.run_once()).delivered == 1
    assert [r.path for r in remote.received][-1] == "/u/new/inbox"


async def test_a_server_failing_on_some_payloads_keeps_taking_the_others_without_delay(actor, remote, http, clock):
    # SPEC: issue 22 item 11 (object-level failures retry alone; only host-level ones back off the domain)
    runner = make_runner(http, clock, max_attempts=3, base_backoff=30.0)
    await post(actor, clock, [remote.inbox("u/first/inbox")])
    assert (await runner.run_once()).delivered == 1
    choked = [await post(actor, clock, [remote.inbox(f"u/{n}/inbox")]) for n in range(7)]
    remote.by_activity.update({row.uri: 500 for row in choked})
    assert (await runner.run_once()).retried == 7  # alone in their batch, from a server that answered lately
    assert (await Instance.get(domain=remote.domain)).backoff_until is None
    fine = [await post(actor, clock, [remote.inbox(f"u/fine{n}/inbox")]) for n in range(3)]
    assert (await runner.run_once()).delivered == 3, "the others flow at once"
    assert {r.activity_id for r in remote.accepted()} >= {row.uri for row in fine}
    for n in range(3):  # the server keeps taking the rest while those retry with their own backoff
        clock.advance(timedelta(hours=1))
        await post(actor, clock, [remote.inbox(f"u/later{n}/inbox")])
        await runner.run_once()
    failed = await Delivery.filter(state=QueueState.FAILED).values_list("last_error", flat=True)
    assert len(failed) == 7 and all("gave up after 3 attempts" in error for error in failed)
    assert (await Instance.get(domain=remote.domain)).backoff_until is None


async def test_a_destination_the_ssrf_guard_refuses_fails_with_the_reason(actor, http, clock):
    await post(actor, clock, ["http://10.1.2.3/inbox"])
    assert (await make_runner(http, clock).run_once()).failed == 1
    assert "refused destination" in (await only_row()).last_error


@pytest.mark.parametrize("refuse_cavage", [False, True])
async def test_rsa_signing_on_a_thread_gives_the_same_valid_signatures(actor, remote, http, clock, refuse_cavage):
    remote.refuse_cavage = refuse_cavage  # both schemes are signed on the thread
    threads: list[str] = []

    def watched(sign):
        def signing(**kwargs):
            threads.append(threading.current_thread().name)
            return sign(**kwargs)

        return signing

    settings = DeliverySettings(request_timeout=5.0, lease=60.0)
    sender = Sender(SignedHttp(http, clock, sign_in_thread=True), clock, timeout=settings.request_timeout)
    stored = await post(actor, clock, [remote.inbox("u/a/inbox"), remote.inbox("u/b/inbox")])
    with patch.dict(signed_http._SIGNERS, {scheme: watched(sign) for scheme, sign in signed_http._SIGNERS.items()}):
        counts = await Runner(settings, sender=sender, clock=clock).run_once()
    assert counts.delivered == 2 and len(remote.received) == 2
    assert {r.activity_id for r in remote.received} == {stored.uri}
    assert {r.scheme for r in remote.received} == {"rfc9421" if refuse_cavage else "cavage"}
    assert bool(remote.refused) is refuse_cavage  # a cavage signature refused, then an RFC 9421 one accepted
    assert len(threads) == len(remote.received) + len(remote.refused)
    assert all(name.startswith("circlefed-sign") for name in threads)
