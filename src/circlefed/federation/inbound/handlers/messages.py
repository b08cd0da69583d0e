"""Federation: direct messages received: a direct Note to a person here joins their conversation; Delete removes it.

SPEC: FEDERATION.md direct messages. A Create is a direct message when its Note answers one of our messages, or
is addressed to a person here and to no circle (and answers no circle post). Such a Note is refused when it is
addressed to Public or to followers (a public post never becomes a private message), when it names more than
one person here, and when its sender has no conversation with that person: no unsolicited messages. The one
first contact taken is from the instance hosting a circle the person is in (approved, or banned): that host
decides who may write in its circles, as it decides their moderation (FEP-1b12)."""

from __future__ import annotations

import logging

from tortoise.transactions import in_transaction

from circlefed.domain.message_rules import PLACED
from circlefed.domain.messages import open_conversation, receive_message, remove_message
from circlefed.federation.inbound.context import HandlerContext, Refused, ignore
from circlefed.federation.lookup import find_post
from circlefed.protocol.messages import addressing_refusal
from circlefed.protocol.posts import RemotePost
from circlefed.storage.models import Account, Actor, Circle, Conversation, ConversationParty, Message

log = logging.getLogger(__name__)


async def receive_direct(ctx: HandlerContext, activity: dict, post: RemotePost) -> bool:
    """Take a Create that is a direct message into its conversation (True), or leave it to circle placement
    (False); Refused when it is a direct message that cannot be taken."""
    if ctx.via is not None or post.type != "Note":
        return False  # what a circle's Group relays is circle content
    answered = await Message.get_or_none(uri=post.in_reply_to) if post.in_reply_to else None
    people = await _local_people(post)
    if answered is None and (not people or await _is_circle_content(post)):
        return False
    reason = addressing_refusal(post, ctx.actor.followers_uri)
    if reason is not None:
        raise Refused(f"not a private message: {reason}")
    if len(people) > 1:
        raise Refused("a private message goes to one person here, not several")
    conversation = await _conversation(ctx, answered, people[0] if people else None)
    async with in_transaction():
        stored = await receive_message(
            conversation, ctx.actor, uri=post.uri, content_html=post.content_html, now=ctx.now
        )
    if stored is None:
        ignore(activity, "message already stored")
    else:
        log.info("message %s from actor %s stored in conversation %s", stored.id, ctx.actor.id, conversation.id)
    return True


async def delete_direct(ctx: HandlerContext, activity: dict, message: Message) -> None:
    """A remote author's Delete of their message removes it from the conversation."""
    if ctx.via is not None:
        raise Refused("a private message is not deleted through a circle")
    async with in_transaction():
        await remove_message(message, ctx.actor)
    log.info("message %s deleted by its author, actor %s", message.id, ctx.actor.id)


async def _local_people(post: RemotePost) -> list[Actor]:
    """The persons here (members' own actors and their pseudonyms) the Note is addressed to."""
    addresses = list(dict.fromkeys(post.addressed))
    return await Actor.filter(uri__in=addresses, is_local=True, type="Person", deleted_at__isnull=True)


async def _is_circle_content(post: RemotePost) -> bool:
    """Addressed to a circle hosted here, or answering a thread or reply stored here: the circle path decides."""
    if await Circle.exists(actor__uri__in=list(post.addressed), is_local=True):
        return True
    return post.in_reply_to is not None and await find_post(post.in_reply_to) is not None


async def _conversation(ctx: HandlerContext, answered: Message | None, person: Actor | None) -> Conversation:
    if answered is not None:
        conversation = await Conversation.get(id=answered.conversation_id)  # type: ignore[attr-defined]
        if not await ConversationParty.exists(conversation_id=conversation.id, actor_id=ctx.actor.id):
            raise Refused("it answers a message of a conversation its sender is not part of")
        return conversation
    assert person is not None
    found = await _existing(ctx.actor, person)
    if found is not None:
        return found
    circle = await _first_contact_circle(ctx.actor, person)
    if circle is None:
        raise Refused("its sender has no conversation with the person it is addressed to (no unsolicited messages)")
    return await open_conversation(circle, ctx.actor, person, now=ctx.now)


async def _existing(sender: Actor, person: Actor) -> Conversation | None:
    """The newest conversation of the sender with this person, addressed by the actor that speaks for them in it
    (a pseudonym) or by their own actor."""
    theirs = await ConversationParty.filter(actor_id=sender.id).values_list("conversation_id", flat=True)
    party = await (
        ConversationParty.filter(conversation_id__in=list(theirs) or [0])
        .filter(voice_id=person.id)
        .first()
    ) or await (
        ConversationParty.filter(conversation_id__in=list(theirs) or [0], actor_id=person.id, voice_id__isnull=True)
        .order_by("-conversation__last_message_at")
        .first()
    )
    return None if party is None else await Conversation.get(id=party.conversation_id)  # type: ignore[attr-defined]


async def _first_contact_circle(sender: Actor, person: Actor) -> Circle | None:
    """A circle hosted on the sender's instance that the person (an account here, not a pseudonym) is in."""
    if not await Account.exists(actor_id=person.id):
        return None
    return await (
        Circle.filter(
            is_local=False,
            actor__instance_id=sender.instance_id,  # type: ignore[attr-defined]
            memberships__actor_id=person.id,
            memberships__state__in=list(PLACED),
        )
        .order_by("-id")
        .first()
    )
