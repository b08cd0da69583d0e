"""Web UI: writing: start a thread, reply, edit one's own posts, with a Markdown preview and held-post care."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from circlefed.domain.content import MAX_CW_LENGTH, MAX_SOURCE_LENGTH, MAX_TITLE_LENGTH, render_markdown
from circlefed.domain.directory import not_found
from circlefed.domain.mentions import mention_book
from circlefed.domain.safety import Screening, crisis_resources_text
from circlefed.errors import BadRequest, Conflict, Forbidden, TooManyRequests
from circlefed.services import posting
from circlefed.storage.models import Thread
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.ui.forms import Form, as_sentence, read_form
from circlefed.web.ui.guards import login_required, safe_next
from circlefed.web.ui.member_access import (
    Access,
    circle_access,
    circle_of_request,
    require_posting,
    thread_path,
    thread_with_access,
)
from circlefed.web.ui.member_posts import own_post, own_thread
from circlefed.web.ui.render import redirect, render, request_policy

log = logging.getLogger(__name__)
# Words in the domain's refusals that tell which field they are about.
_FIELD_HINTS = (("title", "title"), ("content warning", "content_warning"), ("post is", "body"))


def _read(form: Form, *, with_title: bool) -> None:
    if with_title:
        form.text("title", label="Title", required=True, max_length=MAX_TITLE_LENGTH)
    form.text("body", label="Your text", required=True, max_length=MAX_SOURCE_LENGTH, strip=False)
    if form.ok and not form.values["body"].strip():
        form.error("body", "Your text is required.")
    form.text("content_warning", label="Content warning", max_length=MAX_CW_LENGTH)


async def _form_page(
    request: web.Request,
    access: Access,
    form: Form,
    *,
    mode: str,
    action: str,
    status: int = 200,
    preview: bool = False,
    problem: str | None = None,
) -> web.Response:
    body = form.values.get("body", "")
    preview_html = None
    if preview and body and access.actor is not None:  # as it will be posted: names as the circle shows them
        preview_html = render_markdown(body, await mention_book(access.circle, access.actor, body))
    context: dict[str, Any] = {
        "circle": access.circle,
        "access": access,
        "form": form,
        "mode": mode,
        "action": action,
        "problem": problem,
        "preview_html": preview_html,
        "max_title": MAX_TITLE_LENGTH,
        "max_cw": MAX_CW_LENGTH,
    }
    return await render(request, "ui/member/compose.html", context, status=status)


def _refusal(form: Form, exc: BadRequest | Forbidden | Conflict) -> str | None:
    """Put the domain's refusal next to its field; otherwise return it for the top of the form."""
    message = exc.message[:1].upper() + exc.message[1:].rstrip(".") + "."
    for hint, field in _FIELD_HINTS:
        if hint in exc.message.lower():
            form.error(field, message)
            return None
    return message


async def _after_posting(
    request: web.Request, screening: Screening | None, path: str, done: str, *, edit: bool = False
) -> web.Response:
    """A held post (or crisis words) shows the poster the crisis resources and what happens next; never silent.
    Always a redirect: reloading the page that follows must never post again."""
    if screening is not None and (screening.is_held or screening.crisis_resources):
        query = urlencode({"next": path, "held": int(screening.is_held), "edit": int(edit)})
        return web.Response(status=303, headers={"Location": f"/posting/care?{query}"})
    return redirect(request, path, done)


@login_required
async def care_page(request: web.Request) -> web.StreamResponse:
    """What follows a held post or crisis words: what happens next and the crisis resources (a GET page)."""
    context = {
        "held": request.query.get("held") == "1",
        "edit": request.query.get("edit") == "1",
        "resources": crisis_resources_text(await request_policy(request)),
        "path": safe_next(request.query.get("next"), "/circles"),
    }
    return await render(request, "ui/member/held.html", context)


@login_required
async def new_thread_page(request: web.Request) -> web.StreamResponse:
    access = await _posting_access(request)
    return await _form_page(request, access, Form({}), mode="thread", action=f"{access.path}/new")


@login_required
async def new_thread(request: web.Request) -> web.StreamResponse:
    access = await _posting_access(request)
    assert access.actor is not None

    def change(form: Form, now: datetime):
        return posting.start_thread(
            request.app[SITE],
            access.circle,
            access.actor,
            title=form.values["title"],
            source=form.values["body"],
            content_warning=form.values["content_warning"] or None,
            now=now,
        )

    async def done(started: Any) -> web.StreamResponse:
        path = thread_path(request, started.thread)
        return await _after_posting(request, started.screening, path, "Your thread is posted.")

    page = {"mode": "thread", "action": f"{access.path}/new"}
    refused = f"a new thread by actor {access.actor.id} in circle {access.circle.id}"
    return await _submit(request, access, page, change, done, with_title=True, refused=refused)


async def _posting_access(request: web.Request) -> Access:
    return require_posting(await circle_access(request, await circle_of_request(request)))


@login_required
async def post_reply(request: web.Request) -> web.StreamResponse:
    raw = request.match_info["thread_id"]
    thread = await Thread.get_or_none(id=int(raw)) if raw.isdigit() else None
    if thread is None:
        raise not_found()
    access = await thread_with_access(request, thread)
    assert access.actor is not None

    def change(form: Form, now: datetime):
        return posting.reply(
            request.app[SITE],
            thread,
            access.actor,
            source=form.values["body"],
            content_warning=form.values["content_warning"] or None,
            now=now,
        )

    async def done(posted: Any) -> web.StreamResponse:
        path = f"{thread_path(request, thread)}#post-{posted.post.id}"
        return await _after_posting(request, posted.screening, path, "Your reply is posted.")

    page = {"mode": "reply", "action": f"/threads/{thread.id}/reply"}
    refused = f"a reply by actor {access.actor.id} in thread {thread.id}"
    return await _submit(request, access, page, change, done, with_title=False, refused=refused)


@login_required
async def edit_thread_page(request: web.Request) -> web.StreamResponse:
    thread, access = await own_thread(request)
    form = Form({})
    form.values.update(title=thread.title, body=thread.source, content_warning=thread.content_warning or "")
    return await _form_page(request, access, form, mode="edit-thread", action=f"/threads/{thread.id}/edit")


@login_required
async def edit_thread_submit(request: web.Request) -> web.StreamResponse:
    thread, access = await own_thread(request)

    def change(form: Form, now: datetime):
        return posting.edit_thread(
            request.app[SITE],
            thread,
            access.actor,
            title=form.values["title"],
            source=form.values["body"],
            content_warning=form.values["content_warning"] or None,
            now=now,
        )

    page = {"mode": "edit-thread", "action": f"/threads/{thread.id}/edit"}
    done = _saved(request, thread_path(request, thread))
    return await _submit(request, access, page, change, done, with_title=True, refused=f"an edit of {thread.uri}")


@login_required
async def edit_reply_page(request: web.Request) -> web.StreamResponse:
    post, _, access = await own_post(request)
    form = Form({})
    form.values.update(body=post.source, content_warning=post.content_warning or "")
    return await _form_page(request, access, form, mode="edit-reply", action=f"/posts/{post.id}/edit")


@login_required
async def edit_reply_submit(request: web.Request) -> web.StreamResponse:
    post, thread, access = await own_post(request)

    def change(form: Form, now: datetime):
        return posting.edit_reply(
            request.app[SITE],
            post,
            access.actor,
            source=form.values["body"],
            content_warning=form.values["content_warning"] or None,
            now=now,
        )

    page = {"mode": "edit-reply", "action": f"/posts/{post.id}/edit"}
    done = _saved(request, f"{thread_path(request, thread)}#post-{post.id}")
    return await _submit(request, access, page, change, done, with_title=False, refused=f"an edit of {post.uri}")


def _saved(request: web.Request, path: str) -> Callable[[Any], Awaitable[web.StreamResponse]]:
    async def done(result: Any) -> web.StreamResponse:
        return await _after_posting(request, result.screening, path, "Your changes are saved.", edit=True)

    return done


async def _submit(
    request: web.Request,
    access: Access,
    page: dict,
    change: Callable[[Form, datetime], Awaitable[Any]],
    done: Callable[[Any], Awaitable[web.StreamResponse]],
    *,
    with_title: bool,
    refused: str,
) -> web.StreamResponse:
    """A writing form sent: preview it, show its errors or the domain's refusal, or save it and answer with
    `done(result)`."""
    form = await read_form(request)
    _read(form, with_title=with_title)
    if not form.ok or form.raw("action") == "preview":
        return await _form_page(request, access, form, status=200 if form.ok else 400, preview=form.ok, **page)
    now = request.app[CLOCK].now()
    try:
        result = await change(form, now)
    except (BadRequest, Forbidden, Conflict) as exc:
        log.info("refused %s: %s", refused, exc.message)
        return await _form_page(request, access, form, status=exc.status, problem=_refusal(form, exc), **page)
    except TooManyRequests as exc:  # the text comes back in the form: nothing typed is lost to the limit
        log.info("refused %s: %s", refused, exc.message)
        problem = f"{as_sentence(exc.message)} Your text is still here: send it again in a moment."
        response = await _form_page(request, access, form, status=exc.status, problem=problem, **page)
        response.headers["Retry-After"] = str(exc.retry_after or 60)
        return response
    return await done(result)


def add_routes(app: web.Application) -> None:
    for prefix in ("/c/{slug}", "/circles/remote/{circle_id}"):
        app.router.add_get(f"{prefix}/new", new_thread_page)
        app.router.add_post(f"{prefix}/new", new_thread)
    app.router.add_post("/threads/{thread_id}/reply", post_reply)
    app.router.add_get("/threads/{thread_id}/edit", edit_thread_page)
    app.router.add_post("/threads/{thread_id}/edit", edit_thread_submit)
    app.router.add_get("/posts/{post_id}/edit", edit_reply_page)
    app.router.add_get("/posting/care", care_page)
    app.router.add_post("/posts/{post_id}/edit", edit_reply_submit)
