"""Storage: read-only queries shared by several rooms (counts, queue depths)."""

from __future__ import annotations

from tortoise.functions import Count

from circlefed.storage.models import Delivery, InboxItem


async def queue_depths() -> dict[str, dict[str, int]]:
    """Row counts by state for the delivery and inbox queues."""
    return {
        "deliveries": await _counts_by_state(Delivery),
        "inbox": await _counts_by_state(InboxItem),
    }


async def _counts_by_state(model) -> dict[str, int]:
    rows = await model.all().group_by("state").annotate(n=Count("id")).values("state", "n")
    return {
        str(row["state"].value if hasattr(row["state"], "value") else row["state"]): row["n"] for row in rows
    }
