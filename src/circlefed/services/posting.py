"""Services: a member's writing: threads and replies started, edited and deleted, and likes, each committed
with what it publishes (the safety net runs in the domain call, for every path alike)."""

from __future__ import annotations

from datetime import datetime

from circlefed.domain import reactions, replies, threads
from circlefed.domain.events import (
    EditHeld,
    ReplyDeleted,
    ReplyEdited,
    ReplyPosted,
    ThreadDeleted,
    ThreadEdited,
    ThreadStarted,
)
from circlefed.domain.site import Site
from circlefed.federation.actions import perform
from circlefed.storage.models import Actor, Circle, Post, Reaction, ReactionKind, Thread


async def start_thread(
    site: Site, circle: Circle, author: Actor, *, title: str, source: str, content_warning: str | None, now: datetime
) -> ThreadStarted:
    change = threads.start_thread(
        site, circle, author, title=title, source=source, content_warning=content_warning, now=now
    )
    return await perform(site, change, now=now)


async def reply(
    site: Site, thread: Thread, author: Actor, *, source: str, content_warning: str | None, now: datetime
) -> ReplyPosted:
    return await perform(
        site, replies.reply(site, thread, author, source=source, content_warning=content_warning, now=now), now=now
    )


async def edit_thread(
    site: Site, thread: Thread, author: Actor, *, title: str, source: str, content_warning: str | None, now: datetime
) -> ThreadEdited | EditHeld:
    change = threads.edit_thread(
        site, thread, author, title=title, source=source, content_warning=content_warning, now=now
    )
    return await perform(site, change, now=now)


async def edit_reply(
    site: Site, post: Post, author: Actor, *, source: str, content_warning: str | None, now: datetime
) -> ReplyEdited | EditHeld:
    change = replies.edit_reply(site, post, author, source=source, content_warning=content_warning, now=now)
    return await perform(site, change, now=now)


async def delete_thread(
    site: Site, thread: Thread, by: Actor, *, now: datetime, reason: str = "", moderating: bool = False
) -> ThreadDeleted:
    """By its author, or (moderating) removed from the facilitators' controls."""
    return await perform(
        site, threads.delete_thread(thread, by, now=now, reason=reason, moderating=moderating), now=now
    )


async def delete_reply(
    site: Site, post: Post, by: Actor, *, now: datetime, reason: str = "", moderating: bool = False
) -> ReplyDeleted:
    """By its author, or (moderating) removed from the facilitators' controls."""
    return await perform(site, replies.delete_reply(post, by, now=now, reason=reason, moderating=moderating), now=now)


async def toggle_like(site: Site, circle: Circle, target: Thread | Post, person: Actor, *, now: datetime) -> bool:
    """Like the post, or take the like back when the person liked it already; True when it is liked now."""
    if await Reaction.exists(actor_id=person.id, object_uri=target.uri, kind=ReactionKind.LIKE):
        await perform(site, reactions.withdraw_reaction(
            circle, person, activity_uri=None, object_uri=target.uri, kind=ReactionKind.LIKE), now=now)
        return False
    uri = site.uris.new_activity()
    await perform(site, reactions.react(circle, target, person, kind=ReactionKind.LIKE, activity_uri=uri, now=now),
                  now=now)
    return True
