"""Services: a member's read markers (home timeline, notifications) saved together, as an app sends them."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.domain import markers
from circlefed.storage.models import Account, Marker


async def save_markers(account: Account, positions: dict[str, int], *, now: datetime) -> list[Marker]:
    """Each timeline's marker moved to its position, all or none."""
    async with in_transaction():
        return [
            await markers.save_marker(account, timeline, last_read_id, now=now)
            for timeline, last_read_id in positions.items()
        ]
