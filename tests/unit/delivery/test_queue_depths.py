"""Queue depths: health checks count the waiting rows; the metrics count finished rows only every few minutes."""

from datetime import timedelta

import pytest
from prometheus_client import CollectorRegistry

from circlefed.delivery.metrics import FINISHED_COUNT_INTERVAL, DeliveryMetrics
from circlefed.delivery.states import WAITING
from circlefed.storage.models import QueueState
from circlefed.storage.queries import queue_depths

from .support import queue_rows

pytestmark = pytest.mark.storage


def depth(registry: CollectorRegistry, state: QueueState) -> float | None:
    return registry.get_sample_value("circlefed_queue_depth", {"queue": "delivery", "state": state.value})


async def test_waiting_depths_leave_finished_rows_out(db, clock):
    await queue_rows(clock, QueueState.PENDING, QueueState.PENDING, QueueState.RETRY_WAIT, QueueState.DELIVERED)
    assert (await queue_depths(WAITING))["deliveries"] == {"pending": 2, "retry_wait": 1}
    assert (await queue_depths())["deliveries"] == {"pending": 2, "retry_wait": 1, "delivered": 1}


async def test_metrics_count_finished_rows_at_first_and_then_every_interval(db, clock):
    registry = CollectorRegistry()
    metrics = DeliveryMetrics(registry)
    await queue_rows(clock, QueueState.PENDING, QueueState.DELIVERED)
    await metrics.refresh(clock.now())
    assert (depth(registry, QueueState.PENDING), depth(registry, QueueState.DELIVERED)) == (1, 1)

    await queue_rows(clock, QueueState.PENDING, QueueState.DELIVERED, QueueState.DELIVERED)
    clock.advance(FINISHED_COUNT_INTERVAL - timedelta(seconds=1))
    await metrics.refresh(clock.now())
    assert (depth(registry, QueueState.PENDING), depth(registry, QueueState.DELIVERED)) == (2, 1)

    clock.advance(timedelta(seconds=1))
    await metrics.refresh(clock.now())
    assert (depth(registry, QueueState.PENDING), depth(registry, QueueState.DELIVERED)) == (2, 3)
