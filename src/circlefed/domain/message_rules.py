"""Domain: who may write a private message to whom: facilitators and members of one circle, within its setting.

The rules, in order: nobody writes to themselves or to someone who has no place in the circle; the circle's
moderators (facilitators, and admins of a circle hosted here) may write to anyone with a place in it (an approved
member, or a banned one: reaching out matters most then); a member writes to the circle's facilitators, and to
other members only when the circle allows it (off by default); a banned member starts nothing in the circle they
are banned from, but may always answer a moderator who wrote to them in the conversation. A conversation whose
circle is hosted on another instance goes on as long as the other party has written in it: that circle's host
decided whether its first message could be sent (only someone of its instance writes first), and decides again on
each answer it receives."""

from __future__ import annotations

from circlefed.domain.memberships import can_moderate, is_facilitator, membership_of
from circlefed.storage.models import Actor, Circle, Conversation, MembershipState, Message

# A place in the circle: what a moderator may write to.
PLACED = (MembershipState.APPROVED, MembershipState.BANNED)


async def refusal_to_start(circle: Circle, sender: Actor, recipient: Actor) -> str | None:
    """Why `sender` may not start a conversation with `recipient` in `circle`, as a sentence for them; None when
    they may. The sender's own standing is checked first, so that nobody outside the circle learns who is in it."""
    if sender.id == recipient.id:
        return "You cannot write to yourself."
    if not circle.is_local:
        return "Conversations start in circles hosted here. In this circle, you can answer when someone writes to you."
    if await can_moderate(circle, sender):
        return await _unreachable(circle, recipient, PLACED)
    mine = await membership_of(circle, sender)
    if mine is None or mine.state not in PLACED:
        return "Only members of this circle can write to its people."
    if mine.state is MembershipState.BANNED:
        return (
            "You are banned from this circle, so you cannot start a conversation in it. You can answer a "
            "facilitator who writes to you."
        )
    if await is_facilitator(circle, recipient):
        return await _unreachable(circle, recipient, PLACED)
    if not circle.members_may_message:
        return "In this circle, members write only to its facilitators."
    return await _unreachable(circle, recipient, (MembershipState.APPROVED,))


async def is_insider(circle: Circle, actor: Actor) -> bool:
    """May `actor` write to anyone in `circle` at all: a moderator of it, or someone with a place in it."""
    if await can_moderate(circle, actor):
        return True
    membership = await membership_of(circle, actor)
    return membership is not None and membership.state in PLACED


async def refusal_to_write(conversation: Conversation, sender: Actor, other: Actor) -> str | None:
    """Why `sender` may not write in this conversation with `other` now (None: they may): the rules of starting
    one, except that anyone answers a moderator who wrote to them in it (a banned member included)."""
    circle = await conversation.circle if conversation.circle_id else None  # type: ignore[attr-defined]
    if circle is None:
        return "The circle this conversation was about is gone: nobody can write in it any more."
    other_wrote = await Message.exists(conversation_id=conversation.id, author_id=other.id)
    if not circle.is_local:
        # Its host decided that its own member could write here; a member here answers them.
        if not sender.is_local or other_wrote:
            return None
        return "In this circle, you can answer when someone writes to you."
    reason = await refusal_to_start(circle, sender, other)
    if reason is not None and other_wrote and await can_moderate(circle, other):
        return None
    return reason


async def _unreachable(circle: Circle, recipient: Actor, states: tuple[MembershipState, ...]) -> str | None:
    """Why `recipient` cannot be written to in the circle (None: they can): no place in it, or a deleted account."""
    membership = await membership_of(circle, recipient)
    if membership is None or membership.state not in states:
        return "They are not a member of this circle."
    if recipient.deleted_at is not None:
        return "Their account was deleted."
    return None
