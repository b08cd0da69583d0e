"""Domain: threads: start, edit and delete them, store remote ones, and who may post or delete."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from circlefed.domain.content import (
    check_cw,
    check_source,
    check_title,
    html_to_text,
    remote_cw,
    sanitise_html,
    title_from_remote,
)
from circlefed.domain.edits import screen_edit
from circlefed.domain.events import EditHeld, ThreadDeleted, ThreadEdited, ThreadStarted
from circlefed.domain.memberships import can_moderate, is_local_admin, is_member
from circlefed.domain.mentions import render_post
from circlefed.domain.modlog import REMOVE_THREAD, record
from circlefed.domain.read_rule import audience_of_new_row, narrowest
from circlefed.domain.safety import PASSED, Safety, check_posting_rate, screen_post
from circlefed.domain.site import Site
from circlefed.domain.standing import check_may_post, check_not_banned
from circlefed.errors import BadRequest, Conflict, Forbidden, NotFound
from circlefed.storage.models import Actor, Circle, Thread


async def start_thread(
    site: Site,
    circle: Circle,
    author: Actor,
    *,
    title: str,
    source: str,
    content_warning: str | None = None,
    now: datetime,
) -> ThreadStarted:
    """A new thread by an approved member (only moderators when the circle restricts posting to them)."""
    await check_may_start_thread(circle, author, now=now)
    title, source, cw = check_title(title), check_source(source), check_cw(content_warning)
    check_posting_rate(site.safety, author)
    screening = await screen_post(site.safety, circle, author, f"{title}\n{source}", warning=cw or "")
    thread = await Thread.create(
        uri=site.uris.new_thread(),
        circle=circle,
        author=author,
        title=title,
        content_html=await render_post(circle, author, source),
        source=source,
        content_warning=cw,
        audience=audience_of_new_row(circle, None),
        published_at=now,
        last_activity_at=now,
        review_state=screening.state,
        review_reason=screening.reason,
    )
    return ThreadStarted(circle, thread, author, screening)


async def edit_thread(
    site: Site, thread: Thread, by: Actor, *, title: str, source: str, content_warning: str | None, now: datetime
) -> ThreadEdited | EditHeld:
    """The author changes the title, text or warning of a thread, through the same safety net as a new post
    (domain/edits.py)."""
    check_not_deleted(thread, "thread")
    if by.id != thread.author_id:
        raise Forbidden("only the author can edit a thread")
    title, source, cw = check_title(title), check_source(source), check_cw(content_warning)
    circle = await thread.circle
    html = await render_post(circle, by, source)
    fields = {"title": title, "source": source, "content_warning": cw, "content_html": html}
    return await screen_edit(site.safety, circle, thread, thread, by, fields, f"{title}\n{source}", now)


async def delete_thread(
    thread: Thread, by: Actor, *, now: datetime, reason: str = "", vouched: bool = False, moderating: bool = False
) -> ThreadDeleted:
    """Soft delete: the row stays (a Tombstone at its id) but its title, text and warning are gone.

    A removal by someone other than the author is logged, and so is one from the facilitators' controls
    (`moderating`, even of their own post); `vouched`: a remote circle's Group relayed it."""
    check_not_deleted(thread, "thread")
    circle = await thread.circle
    await check_may_delete(circle, await thread.author, by, vouched=vouched, moderating=moderating)
    await tombstone_thread(thread, now)
    if by.id != thread.author_id or moderating:
        await record(circle, by, REMOVE_THREAD, target_uri=thread.uri, reason=reason, now=now)
    return ThreadDeleted(circle, thread, by, thread.uri)


async def tombstone_thread(thread: Thread, now: datetime) -> None:
    thread.deleted_at = now
    thread.title, thread.content_html, thread.source, thread.content_warning = "", "", "", None
    await thread.save(update_fields=["deleted_at", "title", "content_html", "source", "content_warning"])


async def store_remote_thread(
    circle: Circle,
    author: Actor,
    *,
    uri: str,
    title: str | None,
    content_html: str,
    source: str | None = None,
    content_warning: str | None = None,
    published_at: datetime | None = None,
    updated_at: datetime | None = None,
    now: datetime,
    safety: Safety | None = None,
    addressed_public: bool | None = None,
    language: str | None = None,
) -> ThreadStarted | ThreadEdited | None:
    """A thread parsed from a remote Page (or a Mastodon Note: title None → its first line), stored once by uri.

    Storing the same uri again updates it (ThreadEdited), or returns None when nothing changed, the update is
    older than what is stored, or the thread was deleted (a Delete is never undone by a late Create).
    `addressed_public`: whether the copy was addressed to Public (domain/read_rule.py: its audience).
    """
    check_remote_object(author, uri)
    html = sanitise_html(content_html)
    title, prefix_cw = title_from_remote(title, html)
    cw = remote_cw(content_warning) or prefix_cw
    fields = {
        "title": title,
        "content_html": html,
        "source": source or "",
        "content_warning": cw,
        "language": language,
    }
    audience = audience_of_new_row(circle, None, addressed_public=addressed_public)
    existing = await Thread.get_or_none(uri=uri)
    if existing is None:
        screening = PASSED
        if circle.is_local:  # a remote circle's Group already decided; ours applies its own rules
            await check_may_start_thread(circle, author, now=now)
            text = f"{title}\n{html_to_text(html)}"
            screening = await screen_post(safety or Safety(), circle, author, text, warning=cw or "")
        published = min(published_at or now, now)
        try:
            async with in_transaction():
                thread = await Thread.create(
                    uri=uri, circle=circle, author=author, published_at=published, last_activity_at=published,
                    review_state=screening.state, review_reason=screening.reason, audience=audience, **fields
                )
            return ThreadStarted(circle, thread, author, screening)
        except IntegrityError:
            existing = await Thread.get(uri=uri)  # stored concurrently: treat this one as an update
    # An update never widens who a copy was written for.
    fields["audience"] = narrowest(existing.audience, audience)
    return await _update_remote_thread(existing, circle, author, fields, updated_at or now, now, safety)


async def _update_remote_thread(
    thread: Thread, circle: Circle, author: Actor, fields: dict, updated_at: datetime, now: datetime,
    safety: Safety | None,
) -> ThreadEdited | EditHeld | None:
    if thread.author_id != author.id:
        raise Forbidden("only its author can update a thread")
    if thread.circle_id != circle.id:
        raise Conflict("that thread belongs to another circle")
    if is_stale(thread.deleted_at, thread.edited_at, updated_at):
        return None
    changed = {name: value for name, value in fields.items() if getattr(thread, name) != value}
    if not changed:
        return None
    text = f"{fields['title']}\n{html_to_text(fields['content_html'])}"
    return await screen_edit(safety, circle, thread, thread, author, changed, text, min(updated_at, now))


async def check_may_start_thread(circle: Circle, author: Actor, *, now: datetime) -> None:
    await check_not_banned(circle, author, now)  # a banned member is told why, not that they are no member
    if not await is_member(circle, author):
        raise Forbidden("only approved members of this circle can start threads")
    await check_may_post(circle, author, now)
    if circle.posting_restricted_to_mods and not await can_moderate(circle, author):
        raise Forbidden("only facilitators can start threads in this circle")


async def check_may_delete(
    circle: Circle, author: Actor, by: Actor, *, vouched: bool = False, moderating: bool = False
) -> None:
    """SPEC: PROTOCOL.md deletion: the author, a facilitator, or an admin of the author's or circle's instance
    (`moderating`: a removal as a moderator, which only moderators make)."""
    if moderating and not await can_moderate(circle, by):
        raise Forbidden("only the circle's facilitators or an admin of its instance can remove posts as moderators")
    if by.id == author.id or await can_moderate(circle, by):
        return
    if not circle.is_local and (vouched or by.id == circle.actor_id):
        # A remote circle's Group relays its own moderators' removals (FEP-1b12 moderation).
        return
    if author.is_local and await is_local_admin(by):
        return
    raise Forbidden("only the author, a facilitator of the circle or an instance admin can delete this")


def check_not_deleted(row, what: str) -> None:
    if row.deleted_at is not None:
        raise NotFound(f"this {what} was deleted")


def check_remote_object(author: Actor, uri: str) -> None:
    """A remote object is stored only for a remote author on the same origin as its id (attack 1)."""
    if author.is_local:
        raise BadRequest("remote objects cannot be attributed to a local actor")
    if _origin(uri) is None or _origin(uri) != _origin(author.uri):
        raise BadRequest("the object's id and its author are not on the same origin")


def is_stale(deleted_at: datetime | None, edited_at: datetime | None, updated_at: datetime) -> bool:
    """A remote update changes nothing on a deleted object or when it is not newer than the stored edit."""
    return deleted_at is not None or (edited_at is not None and updated_at <= edited_at)


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or port is None:
        return None
    return parts.scheme.lower(), parts.hostname.rstrip(".").lower(), port
