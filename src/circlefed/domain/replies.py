"""Domain: replies in threads: post, edit and delete them, and store remote ones."""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from circlefed.domain.content import (
    check_cw,
    check_source,
    html_to_text,
    remote_cw,
    sanitise_html,
)
from circlefed.domain.edits import screen_edit
from circlefed.domain.events import EditHeld, ReplyDeleted, ReplyEdited, ReplyPosted
from circlefed.domain.memberships import is_member
from circlefed.domain.mentions import render_post
from circlefed.domain.modlog import REMOVE_REPLY, record
from circlefed.domain.read_rule import audience_of_new_row, narrowest
from circlefed.domain.safety import PASSED, Safety, check_posting_rate, screen_post
from circlefed.domain.site import Site
from circlefed.domain.standing import check_may_post, check_not_banned
from circlefed.domain.threads import check_may_delete, check_not_deleted, check_remote_object, is_stale
from circlefed.errors import BadRequest, Conflict, Forbidden, NotFound
from circlefed.storage.models import Actor, Circle, Post, ReviewState, Thread


async def reply(
    site: Site,
    thread: Thread,
    author: Actor,
    *,
    source: str,
    in_reply_to_uri: str | None = None,
    content_warning: str | None = None,
    now: datetime,
) -> ReplyPosted:
    """A reply by an approved member to the thread (default) or to a reply in it; the thread moves up."""
    circle = await thread.circle
    await _check_may_reply(circle, thread, author, now)
    source, cw = check_source(source), check_cw(content_warning)
    parent_uri = await _parent_uri(thread, in_reply_to_uri)
    check_posting_rate(site.safety, author)
    screening = await screen_post(site.safety, circle, author, source, warning=cw or "")
    async with in_transaction():
        post = await Post.create(
            uri=site.uris.new_post(),
            thread=thread,
            author=author,
            in_reply_to_uri=parent_uri,
            content_html=await render_post(circle, author, source),
            source=source,
            content_warning=cw,
            audience=audience_of_new_row(circle, thread),
            published_at=now,
            review_state=screening.state,
            review_reason=screening.reason,
        )
        if not screening.is_held:
            await _bump(thread, now)
    return ReplyPosted(circle, thread, post, author, screening)


async def edit_reply(
    site: Site, post: Post, by: Actor, *, source: str, content_warning: str | None, now: datetime
) -> ReplyEdited | EditHeld:
    """The author changes the text or warning of a reply, through the same safety net as a new post
    (domain/edits.py)."""
    check_not_deleted(post, "reply")
    if by.id != post.author_id:
        raise Forbidden("only the author can edit a reply")
    source, cw = check_source(source), check_cw(content_warning)
    thread = await post.thread
    circle = await thread.circle
    fields = {"source": source, "content_warning": cw, "content_html": await render_post(circle, by, source)}
    return await screen_edit(site.safety, circle, thread, post, by, fields, source, now)


async def delete_reply(
    post: Post, by: Actor, *, now: datetime, reason: str = "", vouched: bool = False, moderating: bool = False
) -> ReplyDeleted:
    """Soft delete by the author, a facilitator or an instance admin: the row stays, its text is gone.

    A removal by someone other than the author is logged, and so is one from the facilitators' controls
    (`moderating`, even of their own reply); `vouched`: a remote circle's Group relayed it."""
    check_not_deleted(post, "reply")
    thread = await post.thread
    circle = await thread.circle
    await check_may_delete(circle, await post.author, by, vouched=vouched, moderating=moderating)
    await tombstone_reply(post, now)
    if by.id != post.author_id or moderating:
        await record(circle, by, REMOVE_REPLY, target_uri=post.uri, reason=reason, now=now)
    return ReplyDeleted(circle, thread, post, by, post.uri)


async def tombstone_reply(post: Post, now: datetime) -> None:
    post.deleted_at = now
    post.content_html, post.source, post.content_warning = "", "", None
    await post.save(update_fields=["deleted_at", "content_html", "source", "content_warning"])


async def store_remote_reply(
    thread: Thread,
    author: Actor,
    *,
    uri: str,
    content_html: str,
    in_reply_to_uri: str,
    source: str | None = None,
    content_warning: str | None = None,
    published_at: datetime | None = None,
    updated_at: datetime | None = None,
    now: datetime,
    safety: Safety | None = None,
    addressed_public: bool | None = None,
    language: str | None = None,
) -> ReplyPosted | ReplyEdited | None:
    """A reply parsed from a remote Note in a known thread, stored once by uri (a second store updates it).

    None when nothing changed, the update is not newer than the stored one, or the reply was deleted.
    `addressed_public`: whether the copy was addressed to Public (domain/read_rule.py: its audience).
    """
    check_remote_object(author, uri)
    cw = remote_cw(content_warning)
    fields = {
        "content_html": sanitise_html(content_html),
        "source": source or "",
        "content_warning": cw,
        "language": language,
    }
    circle = await thread.circle
    audience = audience_of_new_row(circle, thread, addressed_public=addressed_public)
    existing = await Post.get_or_none(uri=uri)
    if existing is None:
        check_not_deleted(thread, "thread")
        screening = PASSED
        if circle.is_local:  # a remote circle's Group already decided; ours applies its own rules
            await _check_may_reply(circle, thread, author, now)
            text = html_to_text(fields["content_html"])
            screening = await screen_post(safety or Safety(), circle, author, text, warning=cw or "")
        published = min(published_at or now, now)
        try:
            async with in_transaction():
                post = await Post.create(
                    uri=uri,
                    thread=thread,
                    author=author,
                    in_reply_to_uri=in_reply_to_uri,
                    published_at=published,
                    review_state=screening.state,
                    review_reason=screening.reason,
                    audience=audience,
                    **fields,
                )
                if not screening.is_held:
                    await _bump(thread, published)
            return ReplyPosted(circle, thread, post, author, screening)
        except IntegrityError:
            existing = await Post.get(uri=uri)  # stored concurrently: treat this one as an update
    fields["audience"] = narrowest(existing.audience, audience)  # an update never widens who it was written for
    return await _update_remote_reply(existing, circle, thread, author, fields, updated_at or now, now, safety)


async def _update_remote_reply(
    post: Post, circle: Circle, thread: Thread, author: Actor, fields: dict, updated_at: datetime, now: datetime,
    safety: Safety | None,
) -> ReplyEdited | EditHeld | None:
    if post.author_id != author.id:
        raise Forbidden("only its author can update a reply")
    if post.thread_id != thread.id:
        raise Conflict("that reply belongs to another thread")
    if is_stale(post.deleted_at, post.edited_at, updated_at):
        return None
    changed = {name: value for name, value in fields.items() if getattr(post, name) != value}
    if not changed:
        return None
    text = html_to_text(fields["content_html"])
    return await screen_edit(safety, circle, thread, post, author, changed, text, min(updated_at, now))


async def _check_may_reply(circle: Circle, thread: Thread, author: Actor, now: datetime) -> None:
    check_not_deleted(thread, "thread")
    if thread.review_state is not ReviewState.VISIBLE:
        raise NotFound("this thread is waiting for a facilitator's review")
    if thread.is_locked:
        raise Forbidden("this thread is locked: no new replies")
    await check_not_banned(circle, author, now)
    if not await is_member(circle, author):
        raise Forbidden("only approved members of this circle can reply")
    await check_may_post(circle, author, now)


async def _parent_uri(thread: Thread, in_reply_to_uri: str | None) -> str:
    if in_reply_to_uri is None or in_reply_to_uri == thread.uri:
        return thread.uri
    if await Post.exists(uri=in_reply_to_uri, thread_id=thread.id, deleted_at__isnull=True):
        return in_reply_to_uri
    raise BadRequest("a reply answers its thread or a reply in that thread")


async def _bump(thread: Thread, when: datetime) -> None:
    """Move the thread's last activity forward (never back: replies may arrive out of order)."""
    await Thread.filter(id=thread.id, last_activity_at__lt=when).update(last_activity_at=when)
    thread.last_activity_at = max(thread.last_activity_at, when)
