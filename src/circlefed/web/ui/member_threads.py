"""Web UI: a thread's page: the opening post and its replies in order, with reactions, reports and a reply form."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from tortoise.expressions import Q

from circlefed.domain.directory import not_found
from circlefed.domain.reactions import likes_of
from circlefed.domain.revisions import latest_proposals
from circlefed.domain.safety import crisis_resources_text
from circlefed.federation.lookup import find_post
from circlefed.storage.models import Actor, Post, ReviewState, Thread
from circlefed.storage.visibility import is_hidden_author, visible_posts
from circlefed.web.keys import SETTINGS
from circlefed.web.ui.media_proxy import with_inline_images
from circlefed.web.ui.member_access import (
    Access,
    author_labels,
    may_see_row,
    share_if_public,
    thread_path,
    thread_with_access,
)
from circlefed.web.ui.message_links import writable
from circlefed.web.ui.paging import DEFAULT_PAGE_SIZE, Page, cursor_param, decode_cursor, encode_cursor, page_url
from circlefed.web.ui.render import render, request_policy

VARY = {"Vary": "Accept"}  # the same URL serves AS2 to servers (web/objects.py)


async def show_object(request: web.Request, uri: str) -> web.StreamResponse:
    """The browser's view of /t/<token> (the thread page) or /p/<token> (a redirect to the reply in its thread)."""
    row = await find_post(uri)
    if row is None:
        raise not_found()
    if isinstance(row, Thread):
        response = await thread_page(request, row)
    else:
        response = await _to_reply(request, row)
    response.headers.update(VARY)
    return response


async def by_id(request: web.Request) -> web.StreamResponse:
    """/threads/<id>: threads stored from other instances (their ids live elsewhere) and every thread alike."""
    raw = request.match_info["thread_id"]
    thread = await Thread.get_or_none(id=int(raw)) if raw.isdigit() else None
    if thread is None:
        raise not_found()
    return await thread_page(request, thread)


async def _to_reply(request: web.Request, post: Post) -> web.Response:
    thread = await Thread.get(id=post.thread_id)
    access = await thread_with_access(request, thread)
    if not may_see_row(post, access) or await is_hidden_author(post.author_id):
        raise not_found()
    previous = await (
        (await readable_replies(thread, access))
        .filter(Q(published_at__lt=post.published_at) | Q(published_at=post.published_at, id__lt=post.id))
        .order_by("-published_at", "-id")
        .first()
    )
    query = f"?after={encode_cursor(previous.published_at, previous.id)}" if previous else ""
    raise web.HTTPFound(f"{thread_path(request, thread)}{query}#post-{post.id}")


async def readable_replies(thread: Thread, access: Access):
    """Replies the viewer may see: visible ones (removed ones as a note) and the viewer's own held ones."""
    shown = Q(review_state=ReviewState.VISIBLE)
    if access.actor is not None:
        shown |= Q(author_id=access.actor.id)
    return await visible_posts(Post.filter(shown, thread_id=thread.id, audience__in=access.audiences), public=True)


async def _oldest_first(query, cursor: str | None, limit: int = DEFAULT_PAGE_SIZE) -> Page[Post]:
    """Keyset paging in reading order (oldest first): stable while new replies arrive at the end."""
    if cursor:
        after, after_id = decode_cursor(cursor)
        query = query.filter(Q(published_at__gt=after) | Q(published_at=after, id__gt=after_id))
    rows = await query.order_by("published_at", "id").limit(limit + 1)
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1].published_at, items[-1].id) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


async def thread_page(request: web.Request, thread: Thread, *, status: int = 200) -> web.Response:
    access = await thread_with_access(request, thread)
    if thread.deleted_at is not None:
        context = {"circle": access.circle, "access": access, "thread": thread, "removed": True}
        return await render(request, "ui/member/thread.html", context, status=410)
    cursor = cursor_param(request)
    page = await _oldest_first(await readable_replies(thread, access), cursor)
    rows: list[Thread | Post] = [thread, *page.items] if not cursor else list(page.items)
    items = await _items(access, rows, inline_images=request.app[SETTINGS].media.proxy)
    policy = await request_policy(request)
    context = {
        "circle": access.circle,
        "access": access,
        "thread": thread,
        "removed": False,
        "opening": items[0] if not cursor else None,
        "replies": items[1:] if not cursor else items,
        "next_url": page_url(request, page.next_cursor),
        "reply_block": _reply_block(access, thread),
        "can_moderate": access.can_moderate,
        "crisis_resources": crisis_resources_text(policy),
        "has_waiting": any(item["held"] for item in items),
        "writable": await _writable_authors(access, rows),
    }
    return share_if_public(await render(request, "ui/member/thread.html", context, status=status), access)


async def _writable_authors(access: Access, rows: list[Thread | Post]) -> set[int]:
    """Authors the viewer may write to privately from here: moderators write to the circle's people, members to
    each other where the circle allows it (only then: this costs a few queries per author)."""
    circle = access.circle
    if not circle.is_local or not (access.can_moderate or (circle.members_may_message and access.is_member)):
        return set()
    authors = await Actor.filter(id__in=list({row.author_id for row in rows}))  # type: ignore[attr-defined]
    return await writable(circle, access.actor, authors)


def _reply_block(access: Access, thread: Thread) -> str | None:
    """Why the viewer cannot reply here (None: they can)."""
    if thread.review_state is ReviewState.REJECTED:
        return "A facilitator declined this thread: it will not be published, and no one can reply."
    if thread.review_state is not ReviewState.VISIBLE:
        return "This thread is waiting for a facilitator. Replies open once it is published."
    if thread.is_locked:
        return "This thread is locked by the facilitators: no new replies."
    if access.account is None:
        return "Log in and join this circle to reply."
    if not access.is_member:
        return "Only members of this circle can reply. You can ask to join on the circle's page."
    if access.must_acknowledge:
        return "The ground rules have changed: accept them on the circle's page before you reply."
    return None


async def _items(access: Access, rows: list[Thread | Post], *, inline_images: bool) -> list[dict[str, Any]]:
    labels = await author_labels(access.circle, {row.author_id for row in rows})
    uris = [row.uri for row in rows]
    likes, mine = await likes_of(uris, access.actor)
    own_id = access.actor.id if access.actor is not None else None
    proposals = await latest_proposals(rows, access.actor) if access.actor is not None else {}
    items = [{**_item(row, labels, likes, mine, own_id), "proposal": proposals.get(row.uri)} for row in rows]
    for item in items:
        row = item["row"]
        item["html"] = with_inline_images(row.content_html, item["base"]) if inline_images else row.content_html
    return items


def _item(row: Thread | Post, labels: dict, likes: dict, mine: set, own_id: int | None) -> dict[str, Any]:
    is_thread = isinstance(row, Thread)
    return {
        "row": row,
        "post": None if is_thread else row,
        "anchor": "opening" if is_thread else f"post-{row.id}",
        "base": f"/threads/{row.id}" if is_thread else f"/posts/{row.id}",
        "author": labels.get(row.author_id, ""),
        "is_own": own_id is not None and row.author_id == own_id,
        "likes": likes.get(row.uri, 0),
        "liked": row.uri in mine,
        "held": row.review_state is not ReviewState.VISIBLE,
        "declined": row.review_state is ReviewState.REJECTED,
        "deleted": row.deleted_at is not None,
    }


def add_routes(app: web.Application) -> None:
    # GET /t/{token} and /p/{token} are web/objects.py's (AS2 for servers, these pages for browsers).
    app.router.add_get("/threads/{thread_id}", by_id, name="thread_by_id")
