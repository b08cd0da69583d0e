"""Per-domain health: a domain that keeps failing waits as a whole; any answer or inbound request revives it."""

import random
from datetime import timedelta

import pytest

from circlefed.delivery import health
from circlefed.delivery.backoff import Outcome, Verdict
from circlefed.settings import DeliverySettings
from circlefed.storage.models import Instance

pytestmark = pytest.mark.storage
SETTINGS = DeliverySettings(base_backoff=30.0, max_backoff=3600.0)
DOWN = Outcome(Verdict.RETRY, None, "Could not fetch from down.example: ConnectionRefusedError.")
ERROR = Outcome(Verdict.RETRY, 503, "HTTP 503")
OK = Outcome(Verdict.DELIVERED, 202)


async def record(clock, *results):
    await health.record(health.tally(results), now=clock.now(), settings=SETTINGS, rng=random.Random(3))


async def row(domain="down.example") -> Instance:
    return await Instance.get(domain=domain)


async def test_a_few_failures_do_not_back_off_a_domain(db, clock):
    await record(clock, ("down.example", DOWN), ("down.example", ERROR))
    instance = await row()
    assert (instance.failure_count, instance.backoff_until) == (2, None)


async def test_consecutive_failures_back_off_the_domain_and_grow(db, clock):
    await record(clock, *[("down.example", DOWN)] * health.FAILURES_BEFORE_BACKOFF)
    first = (await row()).backoff_until
    assert clock.now() + timedelta(seconds=15) <= first <= clock.now() + timedelta(seconds=30)
    await record(clock, *[("down.example", DOWN)] * 5)
    instance = await row()
    assert instance.failure_count == health.FAILURES_BEFORE_BACKOFF + 5
    assert instance.backoff_until - clock.now() >= timedelta(seconds=30 * 2**5 / 2)
    assert [i.domain for i in await health.domains_backing_off(clock.now())] == ["down.example"]


async def test_a_rate_limit_backs_off_the_domain_for_its_retry_after(db, clock):
    limited = Outcome(Verdict.RETRY, 429, "HTTP 429", retry_after=300.0)
    await record(clock, ("busy.example", limited))
    assert (await row("busy.example")).backoff_until == clock.now() + timedelta(seconds=300)


async def test_an_answer_after_failures_resets_the_count(db, clock):
    await record(clock, *[("down.example", DOWN)] * 4)
    await record(clock, ("down.example", DOWN), ("down.example", OK))
    instance = await row()
    assert (instance.failure_count, instance.backoff_until, instance.last_success_at) == (0, None, clock.now())


async def test_failures_after_an_answer_in_the_same_batch_still_count(db, clock):
    await record(clock, ("down.example", OK), ("down.example", DOWN), ("down.example", DOWN))
    assert (await row()).failure_count == 2


async def test_refusals_and_signature_trouble_are_not_server_failures(db, clock):
    await Instance.create(domain="picky.example", failure_count=2)
    await record(
        clock,
        ("picky.example", Outcome(Verdict.FAILED, 404, "HTTP 404")),
        ("picky.example", Outcome(Verdict.RETRY, 401, "HTTP 401")),
    )
    assert (await row("picky.example")).failure_count == 0


async def test_a_valid_inbound_request_resets_the_backoff(db, clock):
    await record(clock, *[("down.example", DOWN)] * 6)
    assert (await row()).backoff_until is not None
    await health.record_inbound_success("Down.Example")
    instance = await row()
    assert (instance.failure_count, instance.backoff_until) == (0, None)
    assert await health.domains_backing_off(clock.now()) == []


async def test_an_inbound_request_from_an_unknown_domain_creates_nothing(db, clock):
    await health.record_inbound_success("new.example")
    assert not await Instance.exists(domain="new.example")


SERVER_ERROR = Outcome(Verdict.RETRY, 500, "HTTP 500")


async def test_500s_from_a_server_that_takes_the_rest_of_the_batch_are_the_payloads_failures(db, clock):
    # SPEC: issue 22 item 11 (a 500 while other requests to the same host succeed is object-level)
    await record(clock, *[("picky.example", SERVER_ERROR)] * 7, ("picky.example", OK))
    instance = await row("picky.example")
    assert (instance.failure_count, instance.backoff_until, instance.last_success_at) == (0, None, clock.now())


async def test_500s_from_a_server_that_answered_lately_do_not_back_it_off(db, clock):
    await record(clock, ("picky.example", OK))
    clock.advance(timedelta(minutes=5))
    await record(clock, *[("picky.example", SERVER_ERROR)] * 7)
    instance = await row("picky.example")
    assert (instance.failure_count, instance.backoff_until) == (0, None)


async def test_500s_from_a_server_that_took_nothing_lately_back_it_off(db, clock):
    await record(clock, ("broken.example", OK))
    clock.advance(health.RECENT_SUCCESS + timedelta(seconds=1))
    await record(clock, *[("broken.example", SERVER_ERROR)] * health.FAILURES_BEFORE_BACKOFF)
    assert (await row("broken.example")).backoff_until is not None
