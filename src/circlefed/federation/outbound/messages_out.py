"""Federation: a private message to someone on another instance: a Create of a direct Note to their own inbox."""

from __future__ import annotations

import logging
from datetime import datetime

from circlefed.delivery.outbox import store_activity
from circlefed.domain.events import MessageSent
from circlefed.domain.pseudonyms import attributed_actor, ensure_pseudonyms
from circlefed.domain.site import Site
from circlefed.federation.outbound.audience import personal_inbox
from circlefed.federation.outbound.exits import enqueue
from circlefed.protocol.messages import render_direct_note
from circlefed.protocol.objects import render_create
from circlefed.protocol.parse import authority
from circlefed.storage.models import Actor, ConversationParty, Message

log = logging.getLogger(__name__)


async def message_pseudonyms(site: Site, event: MessageSent) -> None:
    """Before the first message of a conversation leaves: the sender's pseudonym in the circle, when other
    instances know them by one there (voice_of)."""
    if event.recipient.is_local or not personal_inbox(event.recipient) or event.circle is None:
        return
    if (await _party(event)).voice_id is None:  # type: ignore[attr-defined]
        await ensure_pseudonyms(site, event.circle, [event.actor])


async def publish_message(site: Site, event: MessageSent, *, now: datetime, received: dict | None = None) -> None:
    """SPEC: FEDERATION.md direct messages: signed by the sender as the recipient knows them in the circle (their
    pseudonym in a members circle hosted here), to the recipient's personal inbox (never a shared inbox, which
    would tell their whole instance), through the delivery queue and the domain gate. The activity is stored
    without a circle: it is never served at its id nor listed in any outbox."""
    recipient = event.recipient
    if recipient.is_local:
        return  # both parties are here: nothing leaves
    inboxes = personal_inbox(recipient)
    if not inboxes:
        log.warning("message %s not sent: actor %s has no inbox", event.message.id, recipient.id)
        return
    voice = await voice_of(site, event)
    note = render_direct_note(
        uri=event.message.uri, author_uri=voice.uri, recipient_uri=recipient.uri,
        recipient_handle=f"@{recipient.preferred_username}@{authority(recipient.uri)}",
        content_html=event.message.content_html, published=event.message.created_at,
        in_reply_to=await _last_from(event.conversation.id, recipient),
    )
    uri = site.uris.new_activity()
    payload = render_create(uri, voice.uri, note, now)
    activity = await store_activity(
        uri=uri, type="Create", actor=voice, payload=payload, now=now, object_uri=event.message.uri
    )
    # One ordering key per conversation: its messages reach the inbox in the order they were written.
    await enqueue(site, activity, inboxes, f"conversation:{event.conversation.id}", now)
    log.info("message %s of conversation %s queued for actor %s", event.message.id, event.conversation.id,
             recipient.id)


async def voice_of(site: Site, event: MessageSent) -> Actor:
    """The actor that speaks for the sender in this conversation: chosen when the first message leaves, as other
    instances see them in the circle (domain/pseudonyms.py), then kept, so that answers always find it."""
    party = await _party(event)
    if party.voice_id is not None:  # type: ignore[attr-defined]
        return await Actor.get(id=party.voice_id)  # type: ignore[attr-defined]
    voice = event.actor if event.circle is None else await attributed_actor(site, event.circle, event.actor)
    party.voice = voice
    await party.save(update_fields=["voice_id"])
    return voice


async def _party(event: MessageSent) -> ConversationParty:
    return await ConversationParty.get(conversation_id=event.conversation.id, actor_id=event.actor.id)


async def _last_from(conversation_id: int, author: Actor) -> str | None:
    last = await Message.filter(conversation_id=conversation_id, author_id=author.id).order_by("-id").first()
    return last.uri if last is not None else None
