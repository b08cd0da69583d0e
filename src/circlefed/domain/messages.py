"""Domain: private messages: opening a conversation in a circle, writing in it, and storing what a remote party
sent or deleted. Who may write to whom is domain/message_rules.py."""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from circlefed.domain.content import render_markdown, sanitise_html
from circlefed.domain.events import MessageSent
from circlefed.domain.message_rules import refusal_to_start, refusal_to_write
from circlefed.domain.safety import check_posting_rate
from circlefed.domain.site import Site
from circlefed.errors import BadRequest, Forbidden, NotFound
from circlefed.storage.models import Actor, Circle, Conversation, ConversationParty, Message

MAX_MESSAGE_LENGTH = 10_000


def check_message(source: str) -> str:
    """The text of a message as it will be stored; BadRequest says what is wrong with it."""
    if not source.strip():
        raise BadRequest("The message is empty: write something before sending.")
    if len(source) > MAX_MESSAGE_LENGTH:
        raise BadRequest(f"The message is too long: at most {MAX_MESSAGE_LENGTH} characters (it has {len(source)}).")
    return source


async def find_conversation(circle: Circle, one: Actor, other: Actor) -> Conversation | None:
    """The conversation of these two people opened in this circle, if there is one."""
    mine = ConversationParty.filter(actor_id=one.id, conversation__circle_id=circle.id)
    ids = await mine.values_list("conversation_id", flat=True)
    party = await ConversationParty.filter(conversation_id__in=list(ids), actor_id=other.id).first()
    return None if party is None else await Conversation.get(id=party.conversation_id)  # type: ignore[attr-defined]


async def start_conversation(
    site: Site, circle: Circle, sender: Actor, recipient: Actor, *, source: str, now: datetime
) -> MessageSent:
    """The first message to `recipient` in `circle` (or the next one, when they already have a conversation)."""
    reason = await refusal_to_start(circle, sender, recipient)
    if reason is not None:
        raise Forbidden(reason)
    check_message(source)
    conversation = await find_conversation(circle, sender, recipient)
    if conversation is None:
        conversation = await open_conversation(circle, sender, recipient, now=now)
    return await send_message(site, conversation, sender, source=source, now=now)


async def open_conversation(circle: Circle, starter: Actor, other: Actor, *, now: datetime) -> Conversation:
    """A new conversation of two people in a circle, without messages yet (callers check the rules)."""
    conversation = await Conversation.create(circle=circle, started_by=starter, created_at=now, last_message_at=now)
    await ConversationParty.create(conversation=conversation, actor=starter)
    await ConversationParty.create(conversation=conversation, actor=other)
    return conversation


async def other_party(conversation: Conversation, actor: Actor) -> Actor:
    """The person `actor` talks with in the conversation (NotFound when `actor` is not in it)."""
    parties = await ConversationParty.filter(conversation_id=conversation.id).select_related("actor")
    if actor.id not in {party.actor.id for party in parties}:
        raise NotFound()
    others = [party.actor for party in parties if party.actor.id != actor.id]
    if not others:
        raise NotFound()
    return others[0]


async def send_message(
    site: Site, conversation: Conversation, sender: Actor, *, source: str, now: datetime
) -> MessageSent:
    """A message by a local party, rendered from Markdown and sanitised as posts are."""
    recipient = await other_party(conversation, sender)
    reason = await refusal_to_write(conversation, sender, recipient)
    if reason is not None:
        raise Forbidden(reason)
    check_message(source)
    check_posting_rate(site.safety, sender)
    message = await Message.create(
        uri=site.uris.new_message(), conversation=conversation, author=sender, source=source,
        content_html=render_markdown(source), created_at=now,
    )
    await _delivered(conversation, recipient, now)
    circle = await Circle.get_or_none(id=conversation.circle_id)  # type: ignore[attr-defined]
    return MessageSent(circle, conversation, message, sender, recipient)


async def receive_message(
    conversation: Conversation, author: Actor, *, uri: str, content_html: str, now: datetime
) -> Message | None:
    """A remote party's message, sanitised on the way in (None: already stored under this id)."""
    recipient = await other_party(conversation, author)
    reason = await refusal_to_write(conversation, author, recipient)
    if reason is not None:
        raise Forbidden(reason)
    try:
        async with in_transaction():  # a savepoint: a duplicate must not abort the caller's transaction
            message = await Message.create(
                uri=uri, conversation=conversation, author=author, content_html=sanitise_html(content_html),
                created_at=now,
            )
    except IntegrityError:
        return None
    await _delivered(conversation, recipient, now)
    return message


async def remove_message(message: Message, by: Actor) -> None:
    """Only its author removes a message (a remote Delete of the Note)."""
    if message.author_id != by.id:  # type: ignore[attr-defined]
        raise Forbidden("only the author of a message can delete it")
    await message.delete()


async def _delivered(conversation: Conversation, recipient: Actor, now: datetime) -> None:
    conversation.last_message_at = now
    await conversation.save(update_fields=["last_message_at"])
    await ConversationParty.filter(conversation_id=conversation.id, actor_id=recipient.id).update(has_unread=True)
