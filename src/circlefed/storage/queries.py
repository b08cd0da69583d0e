"""Storage: read-only queries shared by several rooms (counts, queue depths)."""

from __future__ import annotations

from collections.abc import Collection

from tortoise.functions import Count

from circlefed.storage.models import Delivery, InboxItem, QueueState


async def queue_depths(states: Collection[QueueState] | None = None) -> dict[str, dict[str, int]]:
    """Row counts by state for the delivery and inbox queues: of the given states only (read through the state
    index, so it costs what those rows cost), or of every state (finished rows included, however many)."""
    return {
        "deliveries": await _counts_by_state(Delivery, states),
        "inbox": await _counts_by_state(InboxItem, states),
    }


async def _counts_by_state(model, states: Collection[QueueState] | None) -> dict[str, int]:
    rows_of = model.all() if states is None else model.filter(state__in=[state.value for state in states])
    rows = await rows_of.group_by("state").annotate(n=Count("id")).values("state", "n")
    return {
        str(row["state"].value if hasattr(row["state"], "value") else row["state"]): row["n"] for row in rows
    }
