"""Web UI: what members do to a post: like it (a toggle), delete their own (reports: member_report.py)."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain.directory import not_found
from circlefed.errors import Forbidden
from circlefed.services import posting
from circlefed.storage.models import Actor, Post, ReviewState, Thread
from circlefed.storage.visibility import is_hidden_author
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.ui.forms import confirmed, read_form
from circlefed.web.ui.guards import login_required
from circlefed.web.ui.member_access import Access, may_see_row, thread_path, thread_with_access
from circlefed.web.ui.render import redirect, render


async def row_for_path(request: web.Request) -> tuple[Thread | Post, Thread, Access]:
    """The thread or reply a /threads/<id>/... or /posts/<id>/... path names, if the viewer may see it."""
    key = "thread_id" if "thread_id" in request.match_info else "post_id"
    raw = request.match_info[key]
    model = Thread if key == "thread_id" else Post
    row = await model.get_or_none(id=int(raw)) if raw.isdigit() else None
    if row is None:
        raise not_found()
    thread = row if isinstance(row, Thread) else await Thread.get(id=row.thread_id)
    access = await thread_with_access(request, thread)
    if not may_see_row(row, access) or await is_hidden_author(row.author_id):
        raise not_found()
    return row, thread, access


async def own_thread(request: web.Request) -> tuple[Thread, Access]:
    row, _, access = await _own(request)
    assert isinstance(row, Thread)
    return row, access


async def own_post(request: web.Request) -> tuple[Post, Thread, Access]:
    row, thread, access = await _own(request)
    assert isinstance(row, Post)
    return row, thread, access


async def _own(request: web.Request) -> tuple[Thread | Post, Thread, Access]:
    row, thread, access = await row_for_path(request)
    if access.actor is None or row.author_id != access.actor.id:
        raise Forbidden("Only the author can change this post.")
    if row.deleted_at is not None:
        raise not_found()
    return row, thread, access


def back_to(request: web.Request, thread: Thread, row: Thread | Post) -> str:
    anchor = "opening" if isinstance(row, Thread) else f"post-{row.id}"
    return f"{thread_path(request, thread)}#{anchor}"


@login_required
async def like(request: web.Request) -> web.StreamResponse:
    """Like, or take the like back when the viewer liked it already (only counts are ever shown)."""
    row, thread, access = await row_for_path(request)
    if not access.is_member or row.deleted_at is not None or row.review_state is not ReviewState.VISIBLE:
        raise Forbidden("Only members of this circle can like its posts.")
    actor = access.actor
    assert actor is not None
    liked = await posting.toggle_like(request.app[SITE], access.circle, row, actor, now=request.app[CLOCK].now())
    message = "You liked this post." if liked else "You took your like back."
    return redirect(request, back_to(request, thread, row), message)


@login_required
async def delete(request: web.Request) -> web.StreamResponse:
    """The author deletes their own thread or reply (facilitators remove others' from their controls)."""
    row, thread, access = await _own(request)
    assert access.actor is not None
    now = request.app[CLOCK].now()
    if isinstance(row, Thread):
        others = await _replies_by_others(row, access.actor)
        if others and not confirmed(await read_form(request)):
            return await _confirm_deleting(request, row, others)
        await posting.delete_thread(request.app[SITE], row, access.actor, now=now)
        return redirect(request, access.path, "Your thread was deleted.")
    await posting.delete_reply(request.app[SITE], row, access.actor, now=now)
    return redirect(request, thread_path(request, thread), "Your reply was deleted.")


async def _replies_by_others(thread: Thread, author: Actor) -> int:
    return await Post.filter(thread_id=thread.id, deleted_at__isnull=True).exclude(author_id=author.id).count()


async def _confirm_deleting(request: web.Request, thread: Thread, others: int) -> web.Response:
    """Deleting a thread others replied in takes their replies out of view too: asked once more, on a page."""
    replies = "1 reply" if others == 1 else f"{others} replies"
    explanation = [
        f"Other members wrote {replies} in it. Deleting the thread takes them out of view too: its page will only "
        "say that it was deleted, here and on the other instances that have it.",
        "If you only want to take back what you wrote, you can edit your opening post instead.",
    ]
    context = {
        "heading": f"Delete your thread “{thread.title}”?",
        "explanation": explanation,
        "action": f"/threads/{thread.id}/delete",
        "confirm": "Delete the thread",
        "cancel": thread_path(request, thread),
        "cancel_label": "Keep the thread",
    }
    return await render(request, "ui/member/confirm.html", context)


def add_routes(app: web.Application) -> None:
    for prefix in ("/threads/{thread_id}", "/posts/{post_id}"):
        app.router.add_post(f"{prefix}/like", like)
        app.router.add_post(f"{prefix}/delete", delete)
