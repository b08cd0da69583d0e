"""Federation: group commit for the inbox: activities accepted together are stored in one transaction."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.errors import SignatureError
from circlefed.storage.models import InboxItem, SeenSignature

log = logging.getLogger(__name__)


@dataclass
class PendingItem:
    replay_key: str
    replay_expires_at: datetime
    activity_id: str
    actor_uri: str
    domain: str
    payload: dict
    received_at: datetime
    result: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class InboxWriter:
    """Each caller waits until its own row is committed (store first, then 202); callers that arrive while
    a transaction is running share the next one, so one commit serves many deliveries."""

    def __init__(self) -> None:
        self._pending: list[PendingItem] = []
        self._flusher: asyncio.Task | None = None

    async def store(self, item: PendingItem) -> bool:
        """Store the item once; True if its activity id was already stored. SignatureError on a replay."""
        self._pending.append(item)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_all())
        return await item.result

    async def _flush_all(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                outcomes = await self._write(batch)
            except Exception as exc:  # noqa: BLE001 - every waiting request must learn of the failure
                log.error("storing %d inbox items failed: %s", len(batch), exc)
                for item in batch:
                    item.result.set_exception(exc)
                continue
            for item, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    item.result.set_exception(outcome)
                else:
                    item.result.set_result(outcome)

    async def _write(self, batch: list[PendingItem]) -> list[bool | Exception]:
        async with in_transaction():
            seen = set(
                await SeenSignature.filter(replay_key__in=[i.replay_key for i in batch]).values_list(
                    "replay_key", flat=True
                )
            )
            stored = set(
                await InboxItem.filter(activity_uri__in=[i.activity_id for i in batch]).values_list(
                    "activity_uri", flat=True
                )
            )
            outcomes: list[bool | Exception] = []
            new_signatures: list[SeenSignature] = []
            new_items: list[InboxItem] = []
            for item in batch:
                if item.replay_key in seen:
                    # SPEC: PROTOCOL.md attack 13: a captured request sent again is refused
                    outcomes.append(SignatureError("this signed request was already received (replay)"))
                    continue
                seen.add(item.replay_key)
                new_signatures.append(SeenSignature(replay_key=item.replay_key, expires_at=item.replay_expires_at))
                outcomes.append(item.activity_id in stored)
                if item.activity_id not in stored:
                    stored.add(item.activity_id)
                    new_items.append(_row(item))
            if new_signatures:
                await SeenSignature.bulk_create(new_signatures, ignore_conflicts=True)
            if new_items:
                await InboxItem.bulk_create(new_items, ignore_conflicts=True)
        return outcomes


def _row(item: PendingItem) -> InboxItem:
    return InboxItem(
        activity_uri=item.activity_id, actor_uri=item.actor_uri, domain=item.domain, payload=item.payload,
        next_attempt_at=item.received_at, received_at=item.received_at,
    )
