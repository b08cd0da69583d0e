"""Domain: read markers: where a member stopped reading their home timeline and their notifications in an app
(Mastodon's markers), each with a version raised on every change."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from circlefed.errors import BadRequest
from circlefed.storage.models import Account, Marker

TIMELINES = ("home", "notifications")
MAX_ID = 2**63 - 1  # ids are Mastodon's: they fit a signed 64-bit integer


def parse_last_read_id(timeline: str, raw: object) -> int:
    """A marker's position as an app sends it (a string of digits, or a number)."""
    text = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > MAX_ID:
        raise BadRequest(f"{timeline}[last_read_id] must be the id of a status or notification")
    return int(text)


async def markers_of(account: Account, timelines: Collection[str]) -> list[Marker]:
    wanted = [timeline for timeline in TIMELINES if timeline in timelines]
    return list(await Marker.filter(account_id=account.id, timeline__in=wanted)) if wanted else []


async def marker_of(account: Account, timeline: str) -> Marker | None:
    return await Marker.get_or_none(account_id=account.id, timeline=timeline)


async def save_marker(account: Account, timeline: str, last_read_id: int, *, now: datetime) -> Marker:
    """The timeline's marker moved to `last_read_id` (version 0 when new, one more on each change; the same
    position again changes nothing, as in Mastodon)."""
    if timeline not in TIMELINES:
        raise BadRequest(f"there is no {timeline} timeline to mark")
    mine = Marker.filter(account_id=account.id, timeline=timeline)
    await mine.exclude(last_read_id=last_read_id).update(
        last_read_id=last_read_id, version=F("version") + 1, updated_at=now
    )
    marker = await mine.first()
    if marker is not None:
        return marker
    try:
        async with in_transaction():  # a savepoint: a lost race must not abort the caller's transaction
            return await Marker.create(
                account_id=account.id, timeline=timeline, last_read_id=last_read_id, updated_at=now
            )
    except IntegrityError:  # another request of the same member made it first: move that one
        return await save_marker(account, timeline, last_read_id, now=now)
