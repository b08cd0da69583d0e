"""Protocol: Mastodon's opaque numeric ids for circlefed's rows: statuses (ordered by time, as apps expect) and
the accounts a status names (a member's own account, a pseudonym in one circle, a remote author, a circle)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

# Account ids apart from a member's own (Account.id): each kind has its own range, so no two ever meet.
PSEUDONYM_BASE = 10**12  # + Membership.id: how one member is shown in one circle, never linked to the account
REMOTE_BASE = 2 * 10**12  # + Actor.id: an author on another instance
CIRCLE_BASE = 3 * 10**12  # + Circle.id: a circle, shown as a group account

# A status id is Mastodon's own layout: milliseconds of publication above 16 low bits, so that ids sort by time
# (apps such as Tusky order their timelines by id). Here the low bits say thread or reply and carry the row id's
# last 15 bits; the row is the one published in that millisecond with those bits.
KIND_BIT = 1 << 15
ROW_BITS = KIND_BIT - 1
MAX_STATUS_ID = 2**63 - 1
MILLISECOND = timedelta(milliseconds=1)
Kind = Literal["thread", "reply"]


@dataclass(frozen=True)
class StatusRef:
    kind: Kind
    millis: int
    row_bits: int

    def window(self) -> tuple[datetime, datetime]:
        """The millisecond the row was published in: [start, end)."""
        start = datetime.fromtimestamp(0, UTC) + self.millis * MILLISECOND
        return start, start + MILLISECOND

    def names(self, row_id: int) -> bool:
        return row_id & ROW_BITS == self.row_bits


def status_id(kind: Kind, row_id: int, published_at: datetime) -> str:
    millis = (published_at - datetime.fromtimestamp(0, UTC)) // MILLISECOND
    return str((max(millis, 0) << 16) | (KIND_BIT if kind == "reply" else 0) | (row_id & ROW_BITS))


def parse_status_id(raw: str) -> StatusRef | None:
    """What a status id names, or None for anything that is not one (no leading zeros, signs or spaces)."""
    if not raw.isascii() or not raw.isdigit() or raw.startswith("0") or len(raw) > 19:
        return None
    number = int(raw)
    if number > MAX_STATUS_ID:
        return None
    kind: Kind = "reply" if number & KIND_BIT else "thread"
    return StatusRef(kind, number >> 16, number & ROW_BITS)


def pseudonym_account_id(membership_id: int) -> str:
    return str(PSEUDONYM_BASE + membership_id)


def remote_account_id(actor_id: int) -> str:
    return str(REMOTE_BASE + actor_id)


def circle_account_id(circle_id: int) -> str:
    return str(CIRCLE_BASE + circle_id)
