"""Services: private messages between members of a circle, each committed with its delivery."""

from __future__ import annotations

from datetime import datetime

from circlefed.domain import messages
from circlefed.domain.messages import MessageSent
from circlefed.domain.site import Site
from circlefed.federation.actions import perform
from circlefed.storage.models import Actor, Circle, Conversation


async def start_conversation(
    site: Site, circle: Circle, sender: Actor, recipient: Actor, *, source: str, now: datetime
) -> MessageSent:
    change = messages.start_conversation(site, circle, sender, recipient, source=source, now=now)
    return await perform(site, change, now=now)


async def send_message(
    site: Site, conversation: Conversation, sender: Actor, *, source: str, now: datetime
) -> MessageSent:
    return await perform(site, messages.send_message(site, conversation, sender, source=source, now=now), now=now)
