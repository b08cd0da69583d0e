"""Federation: storing remote posts in a circle: threads, replies, and the missing ancestors of relayed replies."""

from __future__ import annotations

import html
import logging
from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.domain.content import remote_cw, split_cw_title
from circlefed.domain.events import Event
from circlefed.domain.replies import store_remote_reply
from circlefed.domain.safety import Safety
from circlefed.domain.threads import store_remote_thread
from circlefed.federation.inbound.context import HandlerContext, Refused
from circlefed.federation.inbound.fetch import fetch_document
from circlefed.federation.lookup import find_post, thread_and_circle
from circlefed.protocol.posts import RemotePost, parse_post
from circlefed.storage.models import Actor, Circle, Thread

log = logging.getLogger(__name__)

SENSITIVE_WARNING = "Sensitive content"
# How far up a reply chain a relayed reply may pull missing ancestors from their origins.
MAX_ANCESTORS = 8


async def store_post(
    circle: Circle,
    thread: Thread | None,
    post: RemotePost,
    author: Actor,
    *,
    now: datetime,
    safety: Safety | None = None,
) -> list[Event]:
    """Store (or update) a thread when `thread` is None, else a reply in `thread`; returns the domain events.

    `safety`: this instance's safety net, applied to new posts in circles hosted here."""
    warning = post.summary if post.type in ("Note", "Question") else None
    if post.sensitive and not remote_cw(warning) and not split_cw_title(post.name or "")[1]:
        warning = SENSITIVE_WARNING  # SPEC: FEDERATION.md sensitive posts (folded behind a generic warning)
    fields = {
        "uri": post.uri,
        "content_html": _without_warning_line(post.content_html, warning),
        "source": post.source,
        # `summary` is a content warning only on Notes (Mastodon); on a Page or Article it is a teaser
        # (NodeBB), and circlefed and Lemmy carry the warning as the title's `[CW: …]` prefix instead.
        "content_warning": warning,
        "published_at": post.published,
        "updated_at": post.updated,
        "now": now,
        "safety": safety,
        "addressed_public": post.is_public,
        "language": post.language,
    }
    if thread is None:
        # A Mastodon-style Note has no name: the domain takes the title from its first line.
        event = await store_remote_thread(circle, author, title=post.name, **fields)
    else:
        if thread.circle_id != circle.id:
            raise Refused("the reply's thread belongs to another circle")
        event = await store_remote_reply(thread, author, in_reply_to_uri=post.in_reply_to or thread.uri, **fields)
    return [event] if event is not None else []


def _without_warning_line(content: str, warning: str | None) -> str:
    """circlefed repeats a reply's warning as its first line for peers that ignore `summary`; with `summary`
    read as the warning, that line would show twice."""
    line = f"<p>[CW: {html.escape(warning)}]</p>" if warning else None
    return content[len(line) :] if line and content.startswith(line) else content


async def thread_for_reply(ctx: HandlerContext, circle: Circle, in_reply_to: str, depth: int = 0) -> Thread | None:
    """The thread a reply belongs to: from the database, or (for a circle's relayed replies) by fetching the
    missing ancestors from their origins and storing them first, so replies may arrive before their thread."""
    row = await find_post(in_reply_to)
    if row is not None:
        thread, row_circle = await thread_and_circle(row)
        return thread if row_circle.id == circle.id else None
    if ctx.via is None or depth >= MAX_ANCESTORS:
        return None
    document = await fetch_document(ctx.federation, in_reply_to)
    if document is None:
        return None
    parent = parse_post(document)
    author = await ctx.federation.remote_actors.by_uri(parent.author_uri)
    thread = None
    if parent.in_reply_to is not None:
        thread = await thread_for_reply(ctx, circle, parent.in_reply_to, depth + 1)
        if thread is None:
            return None
    log.info("storing %s, an ancestor of a reply relayed by %s", parent.uri, circle.id)
    async with in_transaction():
        await store_post(circle, thread, parent, author, now=ctx.now)
    return thread if thread is not None else await Thread.get_or_none(uri=parent.uri)
