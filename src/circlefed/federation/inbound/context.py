"""Federation: what an inbound handler works with: the services, the verified sender, and the relaying circle."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from circlefed.delivery.jobs import PermanentFailure
from circlefed.domain import notifications
from circlefed.domain.events import Event
from circlefed.domain.site import Site
from circlefed.errors import CirclefedError
from circlefed.federation.outbound.publish import publish
from circlefed.federation.wiring import FederationWiring
from circlefed.storage.models import Actor, Circle

log = logging.getLogger(__name__)


class Refused(PermanentFailure):
    """An activity circlefed will not apply, whatever happens later (the item fails with this reason)."""


@dataclass(frozen=True)
class HandlerContext:
    """`actor` sent the activity (verified); `via` is the remote circle whose Group announced it, if any."""

    federation: FederationWiring
    actor: Actor
    now: datetime
    received: dict
    via: Circle | None = None
    received_at: datetime | None = None

    @property
    def site(self) -> Site:
        return self.federation.site

    def relayed(self, activity: dict, actor: Actor, via: Circle) -> HandlerContext:
        """The context of an activity found inside an Announce by the Group of `via`."""
        return replace(self, actor=actor, received=activity, via=via)

    async def publish(self, events: Iterable[Event]) -> None:
        """Record the notifications the change causes and publish it, relaying the received activity (call
        inside its transaction)."""
        events = list(events)
        await notifications.record(events, now=self.now)
        if self.via is None:  # what a remote circle's Group relayed to us goes nowhere else
            await publish(self.site, events, now=self.now, received=self.received)


def ignore(activity: dict, reason: str, *args: object) -> None:
    """Done with the activity without applying it: one log line (never its content)."""
    log.info("ignored %s %s: " + reason, activity.get("type"), activity.get("id"), *args)


# How long an Update or Delete may wait for the object it refers to: deliveries from one server can arrive out
# of order, and one inbox batch is processed concurrently, so a Delete can overtake its Create.
ARRIVAL_GRACE = timedelta(minutes=10)


class NotYetArrived(CirclefedError):
    """The object an activity refers to is not stored yet; the runner retries the item with backoff."""


def wait_for_object(ctx: HandlerContext, activity: dict, what: str) -> None:
    """Retry while the activity is young (its Create may still be on its way), then let it go with a log line."""
    if ctx.received_at is not None and ctx.now - ctx.received_at < ARRIVAL_GRACE:
        raise NotYetArrived(f"{what} is not stored yet; trying again shortly")
    return ignore(activity, f"{what} is not stored here")
