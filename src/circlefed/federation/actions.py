"""Federation: flow 2: a local member's change (a domain call) and what it publishes, in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from circlefed.domain import notifications
from circlefed.domain.events import events_of
from circlefed.domain.site import Site
from circlefed.federation.outbound.publish import publish


async def perform(site: Site, change: Awaitable[Any], *, now: datetime) -> Any:
    """Await the domain change (start_thread(...), reply(...), leave_circle(...), approve_membership(...)) and
    publish its events (domain/events.py events_of: an event, a list of them, or an Outcome carrying them)
    before the transaction commits (DESIGN.md: transactional outbox), with the notifications they cause;
    returns its result."""
    async with in_transaction():
        result = await change
        events = events_of(result)
        await notifications.record(events, now=now)
        await publish(site, events, now=now)
    return result
