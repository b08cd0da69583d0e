"""Classifying attempts, backoff with jitter, Retry-After, and giving up after max attempts or max age."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from circlefed.delivery.backoff import (
    Outcome,
    Verdict,
    backoff_delay,
    classify_status,
    next_step,
    parse_retry_after,
)
from circlefed.settings import DeliverySettings
from circlefed.storage.models import QueueState

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SETTINGS = DeliverySettings(max_attempts=5, max_age=86400.0, base_backoff=30.0, max_backoff=3600.0)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (202, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (410, Verdict.GONE),
        (401, Verdict.RETRY),
        (408, Verdict.RETRY),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (502, Verdict.RETRY),
        (503, Verdict.RETRY),
        (400, Verdict.FAILED),
        (403, Verdict.FAILED),
        (404, Verdict.FAILED),
        (422, Verdict.FAILED),
        (302, Verdict.FAILED),  # a redirect the client did not follow (no Location)
    ],
)
def test_statuses_are_classified_as_documented(status, verdict):
    assert classify_status(status, None, NOW).verdict is verdict


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Thu, 01 Jan 2026 12:05:00 GMT", 300.0),
        ("Thu, 01 Jan 2026 11:00:00 GMT", 0.0),  # in the past: no extra wait
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value, seconds):
    assert parse_retry_after(value, NOW) == seconds


def test_a_429_carries_its_retry_after():
    outcome = classify_status(429, "90", NOW)
    assert (outcome.verdict, outcome.retry_after, outcome.status) == (Verdict.RETRY, 90.0, 429)


def test_backoff_doubles_with_jitter_and_is_capped():
    rng = random.Random(7)
    for attempts in range(1, 12):
        ceiling = min(3600.0, 30.0 * 2 ** (attempts - 1))
        for _ in range(20):
            delay = backoff_delay(attempts, base=30.0, cap=3600.0, rng=rng)
            assert ceiling / 2 <= delay <= ceiling
    assert backoff_delay(1000, base=30.0, cap=3600.0) <= 3600.0


def test_jitter_spreads_retries_of_a_fan_out():
    rng = random.Random(1)
    delays = {round(backoff_delay(3, base=30.0, cap=3600.0, rng=rng), 3) for _ in range(50)}
    assert len(delays) > 40


def test_a_retry_waits_and_honours_a_longer_retry_after():
    step = next_step(
        Outcome(Verdict.RETRY, 429, "HTTP 429", retry_after=600.0),
        attempts=1,
        created_at=NOW,
        now=NOW,
        settings=SETTINGS,
    )
    assert step.state is QueueState.RETRY_WAIT
    assert step.next_attempt_at == NOW + timedelta(seconds=600)


def test_a_hostile_retry_after_is_capped_at_max_backoff():
    step = next_step(
        Outcome(Verdict.RETRY, 503, "HTTP 503", retry_after=10 * 365 * 86400.0),
        attempts=1,
        created_at=NOW,
        now=NOW,
        settings=SETTINGS,
    )
    assert step.next_attempt_at == NOW + timedelta(seconds=3600)


def test_retries_give_up_after_max_attempts():
    outcome = Outcome(Verdict.RETRY, 500, "HTTP 500")
    assert next_step(outcome, attempts=4, created_at=NOW, now=NOW, settings=SETTINGS).state is QueueState.RETRY_WAIT
    step = next_step(outcome, attempts=5, created_at=NOW, now=NOW, settings=SETTINGS)
    assert step.state is QueueState.FAILED and "5 attempts" in step.error and "HTTP 500" in step.error


def test_retries_give_up_past_max_age():
    outcome = Outcome(Verdict.RETRY, None, "Timed out")
    later = NOW + timedelta(days=1)
    step = next_step(outcome, attempts=2, created_at=NOW, now=later, settings=SETTINGS)
    assert step.state is QueueState.FAILED and "max_age" in step.error


@pytest.mark.parametrize(
    ("verdict", "state"),
    [(Verdict.DELIVERED, QueueState.DELIVERED), (Verdict.GONE, QueueState.GONE), (Verdict.FAILED, QueueState.FAILED)],
)
def test_final_verdicts_end_the_row(verdict, state):
    step = next_step(Outcome(verdict, 200), attempts=1, created_at=NOW, now=NOW, settings=SETTINGS)
    assert step.state is state and step.next_attempt_at is None


@pytest.mark.parametrize(
    ("outcome", "scope"),
    [
        (Outcome(Verdict.RETRY, None, "network"), "host"),
        (Outcome(Verdict.RETRY, 503), "host"),
        (Outcome(Verdict.RETRY, 502), "host"),
        (Outcome(Verdict.RETRY, 429), "host"),
        (Outcome(Verdict.RETRY, 500), "server"),  # host-level only when the server took nothing else lately
        (Outcome(Verdict.RETRY, 401), None),  # a signature problem, not a sick server
        (Outcome(Verdict.FAILED, 404), None),
        (Outcome(Verdict.DELIVERED, 202), None),
    ],
)
def test_failures_are_classed_as_the_hosts_or_possibly_the_payloads(outcome, scope):
    # SPEC: issue 22 item 11 (host-level: connection errors, timeouts, 429, 502/503/504)
    assert outcome.is_host_failure is (scope == "host")
    assert outcome.is_server_error is (scope == "server")
