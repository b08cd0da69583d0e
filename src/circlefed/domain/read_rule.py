"""Domain: the one read rule: who may read a circle's threads and replies now (levels, audiences, bans).

Every page, fetch, collection and audience path asks this module. A row keeps the audience it was written for
(Thread.audience, Post.audience); what it shows now is the more private of that and the circle's level now, so
closing a circle hides its past at once and opening it never exposes what was written in confidence. A reader's
level comes from their standing now: a ban turns the membership's state to BANNED, so a banned person is an
outsider to every query here.
"""

from __future__ import annotations

from enum import IntEnum

from circlefed.domain.memberships import is_member
from circlefed.storage.models import Actor, Circle, Membership, MembershipState, Post, Thread, Visibility

# How private each circle level is; a reader of one level reads every lower one too.
RANK = {Visibility.PUBLIC: 0, Visibility.MEMBERS: 1, Visibility.LOCAL: 2}


class ReaderLevel(IntEnum):
    """What a viewer may read of one circle: the most private level open to them."""

    OUTSIDER = 0  # anyone: what is public now
    REMOTE_MEMBER = 1  # an approved member on an instance the policy lets members content reach
    LOCAL_MEMBER = 2  # an approved member with an account here: everything of the circle


def narrowest(*levels: Visibility) -> Visibility:
    """The most private of these levels."""
    return max(levels, key=RANK.__getitem__)


def row_level(circle: Circle, audience: Visibility) -> Visibility:
    """What a row of this circle is now: the more private of its audience and the circle's level now."""
    return narrowest(Visibility(circle.visibility), Visibility(audience))


def readable_audiences(circle: Circle, reader: ReaderLevel) -> list[Visibility]:
    """The row audiences this reader may read in the circle now (empty: none of its content)."""
    if RANK[Visibility(circle.visibility)] > reader:
        return []
    return [level for level, rank in RANK.items() if rank <= reader]


def audience_of_new_row(circle: Circle, thread: Thread | None, *, addressed_public: bool | None = None) -> Visibility:
    """The audience a new thread (thread None) or reply is written for: the circle's level now when it is hosted
    here, else (a copy of a remote circle's post) public only when addressed to Public; a reply never goes
    wider than its thread."""
    if circle.is_local or addressed_public is None:
        level = Visibility(circle.visibility)
    else:
        level = Visibility.PUBLIC if addressed_public else Visibility.MEMBERS
    return narrowest(level, thread.audience) if thread is not None else level


def may_read_row(circle: Circle, row: Thread | Post, reader: ReaderLevel) -> bool:
    return RANK[row_level(circle, row.audience)] <= reader


def may_read_level(level: Visibility, reader: ReaderLevel) -> bool:
    return RANK[Visibility(level)] <= reader


async def account_reader_level(circle: Circle, actor: Actor | None) -> ReaderLevel:
    """The level of an account of this instance reading through its own pages: a member of the circle (hosted
    here, or a remote circle whose copies are kept here) reads all of it; anyone else only what is public."""
    if actor is not None and actor.is_local and await is_member(circle, actor):
        return ReaderLevel.LOCAL_MEMBER
    return ReaderLevel.OUTSIDER


def reader_level_of(actor: Actor | None, membership: Membership | None) -> ReaderLevel:
    """account_reader_level when the viewer's membership row is already loaded."""
    if actor is None or not actor.is_local or membership is None:
        return ReaderLevel.OUTSIDER
    approved = membership.state is MembershipState.APPROVED and membership.actor_id == actor.id  # type: ignore[attr-defined]
    return ReaderLevel.LOCAL_MEMBER if approved else ReaderLevel.OUTSIDER
