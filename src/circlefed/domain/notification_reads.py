"""Domain: which of a member's notifications are unread: those above their notifications read marker (which
"mark all read" on the page moves, as their apps do) that were not marked read one by one on the page."""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import Subquery
from tortoise.functions import Coalesce

from circlefed.domain.notifications import LARGEST_ID
from circlefed.storage.models import Marker, Notification

TIMELINE = "notifications"  # the read marker's timeline (domain/markers.py)


def _marker_position(account_id: int) -> Subquery:
    return Subquery(Marker.filter(account_id=account_id, timeline=TIMELINE).values("last_read_id"))


async def unread_count(account_id: int) -> int:
    """How many of the member's notifications are unread: one count, served by the (account, id) index, that
    every signed-in page's navigation runs. Counts rows: recording tells nobody what they may not see then."""
    above_marker = Coalesce(_marker_position(account_id), 0)
    return await Notification.filter(account_id=account_id, read_at__isnull=True, id__gt=above_marker).count()


async def marker_position(account_id: int) -> int:
    """The notifications read marker's position (0 before the member or an app ever set one)."""
    found = await Marker.filter(account_id=account_id, timeline=TIMELINE).values_list("last_read_id", flat=True)
    return int(found[0]) if found else 0


def is_unread(notification: Notification, position: int) -> bool:
    return notification.read_at is None and notification.id > position


async def mark_read(account_id: int, notification_id: int, *, now: datetime) -> bool:
    """The member's notification marked read (once: reading it again changes nothing); False when the member has
    no notification with this id (another member's, or none at all)."""
    if notification_id > LARGEST_ID:
        return False
    mine = Notification.filter(id=notification_id, account_id=account_id)
    if not await mine.exists():
        return False
    await mine.filter(read_at__isnull=True).update(read_at=now)
    return True


async def newest_id(account_id: int) -> int | None:
    found = await Notification.filter(account_id=account_id).order_by("-id").limit(1).values_list("id", flat=True)
    return int(found[0]) if found else None


async def all_read_position(account_id: int, up_to: int) -> int | None:
    """Where the read marker goes for "mark all read" of what the member saw (their notifications up to `up_to`,
    the newest when they loaded the page: one that came since stays unread); None when the marker is there or
    beyond already (it never moves back: an app may have put it further)."""
    newest = await Notification.filter(account_id=account_id, id__lte=min(up_to, LARGEST_ID)).order_by("-id").limit(1)
    if not newest or newest[0].id <= await marker_position(account_id):
        return None
    return newest[0].id
