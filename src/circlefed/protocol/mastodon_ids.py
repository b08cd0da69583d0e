"""Protocol: Mastodon's opaque numeric ids for circlefed's rows: statuses (threads even, replies odd) and the
accounts a status names (a member's own account, a pseudonym in one circle, a remote author, a circle)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Account ids apart from a member's own (Account.id): each kind has its own range, so no two ever meet.
PSEUDONYM_BASE = 10**12  # + Membership.id: how one member is shown in one circle, never linked to the account
REMOTE_BASE = 2 * 10**12  # + Actor.id: an author on another instance
CIRCLE_BASE = 3 * 10**12  # + Circle.id: a circle, shown as a group account


@dataclass(frozen=True)
class StatusRef:
    kind: Literal["thread", "reply"]
    row_id: int


def thread_status_id(thread_id: int) -> str:
    return str(2 * thread_id)


def reply_status_id(post_id: int) -> str:
    return str(2 * post_id + 1)


def parse_status_id(raw: str) -> StatusRef | None:
    """The row a status id names, or None for anything that is not one (no leading zeros, signs or spaces)."""
    if not raw.isascii() or not raw.isdigit() or (raw != "0" and raw.startswith("0")) or len(raw) > 19:
        return None
    number = int(raw)
    if number < 2:
        return None
    return StatusRef("thread", number // 2) if number % 2 == 0 else StatusRef("reply", number // 2)


def pseudonym_account_id(membership_id: int) -> str:
    return str(PSEUDONYM_BASE + membership_id)


def remote_account_id(actor_id: int) -> str:
    return str(REMOTE_BASE + actor_id)


def circle_account_id(circle_id: int) -> str:
    return str(CIRCLE_BASE + circle_id)
