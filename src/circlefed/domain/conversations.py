"""Domain: reading private conversations: a person's list (newest first), one conversation, unread marks."""

from __future__ import annotations

from dataclasses import dataclass

from circlefed.errors import NotFound
from circlefed.storage.models import Actor, Circle, Conversation, ConversationParty, Message

MAX_LISTED = 200


@dataclass(frozen=True)
class Listed:
    """One line of a person's conversation list."""

    conversation: Conversation
    other: Actor
    circle: Circle | None
    has_unread: bool


async def conversations_of(actor: Actor, *, limit: int = MAX_LISTED) -> list[Listed]:
    """The conversations `actor` is a party of, the one with the newest message first."""
    mine = await (
        ConversationParty.filter(actor_id=actor.id)
        .select_related("conversation", "conversation__circle")
        .order_by("-conversation__last_message_at", "-conversation_id")
        .limit(limit)
    )
    ids = [party.conversation.id for party in mine]
    others = await ConversationParty.filter(conversation_id__in=ids or [0]).exclude(actor_id=actor.id).select_related(
        "actor"
    )
    other_of = {party.conversation_id: party.actor for party in others}  # type: ignore[attr-defined]
    return [
        Listed(party.conversation, other_of[party.conversation.id], party.conversation.circle, party.has_unread)
        for party in mine
        if party.conversation.id in other_of
    ]


async def unread_count(actor_id: int) -> int:
    """How many of the actor's conversations have a message they have not seen."""
    return await ConversationParty.filter(actor_id=actor_id, has_unread=True).count()


async def conversation_for(actor: Actor, conversation_id: int) -> Conversation:
    """A conversation `actor` is a party of; the same NotFound as a missing one for anyone else."""
    party = await ConversationParty.get_or_none(conversation_id=conversation_id, actor_id=actor.id)
    if party is None:
        raise NotFound()
    return await Conversation.get(id=conversation_id)


async def messages_in(conversation: Conversation) -> list[Message]:
    """Every message of the conversation, oldest first."""
    return await Message.filter(conversation_id=conversation.id).order_by("created_at", "id")


async def mark_read(conversation: Conversation, actor: Actor) -> None:
    await ConversationParty.filter(conversation_id=conversation.id, actor_id=actor.id, has_unread=True).update(
        has_unread=False
    )
