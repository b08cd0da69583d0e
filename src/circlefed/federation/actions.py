"""Federation: flow 2: a local member's change (a domain call) and what it publishes, in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from circlefed.domain.memberships import JoinOutcome
from circlefed.domain.site import Site
from circlefed.federation.outbound.publish import publish


async def perform(site: Site, change: Awaitable[Any], *, now: datetime) -> Any:
    """Await the domain change (start_thread(...), reply(...), leave_circle(...), approve_membership(...)) and
    publish its events before the transaction commits (DESIGN.md: transactional outbox); returns its result."""
    async with in_transaction():
        result = await change
        await publish(site, events_of(result), now=now)
    return result


def events_of(result: Any) -> list:
    if isinstance(result, JoinOutcome):
        return list(result.events)
    if isinstance(result, Sequence):
        return list(result)
    return [result] if result is not None else []
