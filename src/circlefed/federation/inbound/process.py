"""Federation: the "inbox" job: one stored activity through the gate, the dispatch table and its handler."""

from __future__ import annotations

import logging

from circlefed.delivery.jobs import InboxHandler, PermanentFailure
from circlefed.errors import BadRequest, Conflict, Forbidden, NotFound, UnsafeUrlError
from circlefed.federation.inbound.context import HandlerContext
from circlefed.federation.inbound.dispatch import dispatch
from circlefed.federation.wiring import FederationWiring
from circlefed.policy.verdicts import Hold, Reject
from circlefed.protocol.parse import parse_activity
from circlefed.storage.models import InboxItem, QueueState

log = logging.getLogger(__name__)

# Domain refusals: retrying cannot change the answer, so the item fails at once with the reason.
REFUSALS = (BadRequest, Forbidden, NotFound, Conflict, UnsafeUrlError)
# Activities that bring content (held for review when their domain is silenced).
CONTENT_TYPES = frozenset({"Create", "Update", "Announce"})


def inbox_handler(federation: FederationWiring) -> InboxHandler:
    """The handler app.register_jobs gives the runner; it runs in the runner's database context."""

    async def handle(item: InboxItem) -> QueueState | None:
        return await process_item(federation, item)

    return handle


async def process_item(federation: FederationWiring, item: InboxItem) -> QueueState | None:
    """Flow 1 after storage: gate verdict (the domain may have been blocked since), then the handler.

    Returns None when processed, REJECTED or HELD by the gate; raises PermanentFailure for a refusal and
    anything else (a remote server down) to retry later."""
    verdict = await federation.domain_gate.origin(item.domain)
    if isinstance(verdict, Reject):
        log.info("inbox item %d from %s rejected: %s", item.id, item.domain, verdict.reason)
        return QueueState.REJECTED
    if not isinstance(verdict, Hold) and item.payload.get("type") in CONTENT_TYPES:
        verdict = await federation.domain_gate.content(item.domain)  # a silenced domain's posts wait for review
    if isinstance(verdict, Hold):
        log.info("inbox item %d from %s held: %s", item.id, item.domain, verdict.reason)
        return QueueState.HELD
    try:
        activity = parse_activity(item.payload)
        actor = await federation.remote_actors.by_uri(activity.actor)
        ctx = HandlerContext(
            federation, actor, now=federation.clock.now(), received=activity.raw, received_at=item.received_at
        )
        await dispatch(ctx, activity.raw)
    except PermanentFailure:
        raise
    except REFUSALS as exc:
        log.info("inbox item %d (%s from %s) refused: %s", item.id, item.payload.get("type"), item.domain, exc)
        raise PermanentFailure(f"refused: {exc}") from exc
    return None
