"""Delivery: one pending Delivery row per remote inbox of a stored activity, in the change's transaction. Only the
exit filter (federation/outbound/exits.py) calls this: every row has passed confidentiality and the domain gate."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient

from circlefed.delivery.outbox import domain_of
from circlefed.delivery.states import UNFINISHED
from circlefed.storage.models import Delivery, OutboxActivity, QueueState
from circlefed.storage.sql import placeholder, placeholders

log = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_BATCH = 500


class OutsideTransaction(RuntimeError):
    """enqueue_deliveries was called outside a transaction: the forum change and its rows could split."""


def _normalise_local_domain(local_domain: str) -> str:
    domain = local_domain.strip().lower().rstrip(".")
    for suffix in (":443", ":80"):
        if domain.endswith(suffix):
            return domain[: -len(suffix)]
    return domain



def plan_inboxes(inbox_uris: Iterable[str], *, local_domain: str) -> list[tuple[str, str]]:
    """(inbox, domain) pairs to deliver to: duplicates (shared inboxes) once, local and non-http(s) ones never."""
    local = _normalise_local_domain(local_domain)
    seen: set[str] = set()
    planned: list[tuple[str, str]] = []
    for raw in inbox_uris:
        inbox = raw.strip()
        scheme = urlsplit(inbox).scheme.lower()
        domain = domain_of(inbox)
        if scheme not in _DEFAULT_PORTS or not domain:
            log.warning("not delivering to %r: not an absolute http(s) URL", inbox[:200])
            continue
        if domain == local or inbox in seen:
            continue
        seen.add(inbox)
        planned.append((inbox, domain))
    return planned


async def enqueue_deliveries(
    activity: OutboxActivity,
    inbox_uris: Iterable[str],
    *,
    local_domain: str,
    ordering_key: str | None,
    now: datetime,
) -> list[str]:
    """Write one pending Delivery per new remote inbox, inside the caller's transaction; returns those inboxes.

    ordering_key (typically the object's URI) keeps deliveries to one inbox in order: an Update of an
    object is not sent before its Create. None means no ordering."""
    connection = Delivery._meta.db
    if not isinstance(connection, TransactionalDBClient):
        raise OutsideTransaction("enqueue_deliveries must run inside the transaction of the change it delivers")
    planned = plan_inboxes(inbox_uris, local_domain=local_domain)
    if not planned:
        return []
    existing = await _existing(connection, activity.id)
    waits_for = await _predecessors(ordering_key) if ordering_key is not None else {}
    now = now.astimezone(UTC)
    queued = [(inbox, domain) for inbox, domain in planned if inbox not in existing]
    rows = [
        (activity.id, inbox, domain, ordering_key, waits_for.get(inbox), QueueState.PENDING.value, 0, now, now, now)
        for inbox, domain in queued
    ]
    # One prepared INSERT run over plain tuples, not a model object per row: a fan-out to a large circle is
    # written in milliseconds, so the transaction of the change that caused it (and the worker) barely waits.
    values = ", ".join(placeholders(connection.capabilities.dialect, len(_COLUMNS)))
    sql = f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES ({values}) ON CONFLICT DO NOTHING"  # noqa: S608
    for start in range(0, len(rows), _BATCH):
        await connection.execute_many(sql, rows[start : start + _BATCH])
    return [inbox for inbox, _ in queued]


_TABLE = Delivery._meta.db_table
_COLUMNS = (
    "activity_id",
    "inbox_uri",
    "domain",
    "ordering_key",
    "after_id",
    "state",
    "attempts",
    "next_attempt_at",
    "created_at",
    "updated_at",
)


async def _existing(connection: BaseDBAsyncClient, activity_id: int) -> set[str]:
    """Inboxes this activity is already queued for (none, unless it is enqueued again)."""
    mark = placeholder(connection.capabilities.dialect, 1)
    sql = f"SELECT inbox_uri FROM {_TABLE} WHERE activity_id = {mark}"  # noqa: S608
    return {row["inbox_uri"] for row in await connection.execute_query_dict(sql, [activity_id])}


async def _predecessors(ordering_key: str) -> dict[str, int]:
    """inbox -> the newest unfinished delivery with this ordering key, which a new one must wait for."""
    rows = await Delivery.filter(ordering_key=ordering_key, state__in=UNFINISHED).values("id", "inbox_uri")
    newest: dict[str, int] = {}
    for row in rows:
        newest[row["inbox_uri"]] = max(row["id"], newest.get(row["inbox_uri"], 0))
    return newest
