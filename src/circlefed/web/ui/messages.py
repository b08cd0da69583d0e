"""Web UI: private messages: the viewer's conversations, one conversation with its reply form, and writing to
someone of a circle (the "Write to them" links of the facilitator pages and the circle page)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from circlefed.domain.conversations import conversation_for, conversations_of, mark_read, messages_in
from circlefed.domain.directory import not_found
from circlefed.domain.memberships import is_facilitator
from circlefed.domain.message_rules import is_insider, refusal_to_start, refusal_to_write
from circlefed.domain.messages import (
    MAX_MESSAGE_LENGTH,
    find_conversation,
    other_party,
)
from circlefed.errors import BadRequest, Forbidden, TooManyRequests
from circlefed.services.messages import send_message, start_conversation
from circlefed.storage.models import Actor, Circle, Conversation
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.guards import login_required, viewer_actor
from circlefed.web.ui.message_links import people_names
from circlefed.web.ui.render import recount_unread, redirect, render

log = logging.getLogger(__name__)
REFUSALS = (BadRequest, Forbidden, TooManyRequests)


async def _viewer(request: web.Request) -> Actor:
    viewer = await viewer_actor(request)
    assert viewer is not None  # login_required
    return viewer


@login_required
async def index(request: web.Request) -> web.Response:
    """The viewer's conversations, the newest message first; those with something unread are marked."""
    viewer = await _viewer(request)
    listing = await conversations_of(viewer)
    by_circle: dict[int | None, list[Actor]] = {}
    for listed in listing:
        by_circle.setdefault(listed.circle.id if listed.circle else None, []).append(listed.other)
    circles = {listed.circle.id: listed.circle for listed in listing if listed.circle}
    shown = {
        circle_id: await people_names(circles.get(circle_id) if circle_id else None, viewer, people)
        for circle_id, people in by_circle.items()
    }
    items = [
        {"listed": listed, "other": shown[listed.circle.id if listed.circle else None][listed.other.id]}
        for listed in listing
    ]
    return await render(request, "ui/messages/index.html", {"items": items})


async def _conversation(request: web.Request) -> tuple[Actor, Conversation]:
    raw = request.match_info["conversation_id"]
    if not raw.isdigit():
        raise not_found()
    viewer = await _viewer(request)
    return viewer, await conversation_for(viewer, int(raw))


@login_required
async def show(request: web.Request) -> web.Response:
    viewer, conversation = await _conversation(request)
    await mark_read(conversation, viewer)
    await recount_unread(request)
    return await _render_conversation(request, viewer, conversation)


async def _render_conversation(
    request: web.Request,
    viewer: Actor,
    conversation: Conversation,
    *,
    form: Form | None = None,
    problem: str | None = None,
    status: int = 200,
) -> web.Response:
    other = await other_party(conversation, viewer)
    circle = await Circle.get_or_none(id=conversation.circle_id)  # type: ignore[attr-defined]
    shown = await people_names(circle, viewer, [other, viewer])
    context: dict[str, Any] = {
        "conversation": conversation,
        "circle": circle,
        "other": shown[other.id],
        "other_is_facilitator": circle is not None and await is_facilitator(circle, other),
        "messages": await messages_in(conversation),
        "names": {**shown, viewer.id: "You"},
        "refusal": await refusal_to_write(conversation, viewer, other),
        "form": form or Form({}),
        "problem": problem,
        "max_length": MAX_MESSAGE_LENGTH,
    }
    return await render(request, "ui/messages/conversation.html", context, status=status)


def _read_body(form: Form) -> str:
    body = form.text("body", label="Your message", required=True, max_length=MAX_MESSAGE_LENGTH, strip=False)
    if form.ok and not body.strip():
        form.error("body", "Your message is required.")
    return body


@login_required
async def reply(request: web.Request) -> web.Response:
    viewer, conversation = await _conversation(request)
    form = await read_form(request)
    body = _read_body(form)
    if not form.ok:
        return await _render_conversation(request, viewer, conversation, form=form, status=400)
    site, now = request.app[SITE], request.app[CLOCK].now()
    try:
        await send_message(site, conversation, viewer, source=body, now=now)
    except REFUSALS as exc:
        log.info("message in conversation %s by actor %s refused: %s", conversation.id, viewer.id, exc.status)
        return await _render_conversation(
            request, viewer, conversation, form=form, problem=exc.message, status=exc.status
        )
    return redirect(request, f"/messages/{conversation.id}#latest", "Your message was sent.")


async def _target(viewer: Actor, circle_raw: str, to_raw: str) -> tuple[Circle, Actor]:
    """The circle and person a "Write to them" link names; the same NotFound as for nothing when the viewer has no
    place in that circle (nobody outside it learns who is in it)."""
    circle = await Circle.get_or_none(id=int(circle_raw)) if circle_raw.isdigit() else None
    recipient = await Actor.get_or_none(id=int(to_raw)) if to_raw.isdigit() else None
    if circle is None or recipient is None or not await is_insider(circle, viewer):
        raise not_found()
    return circle, recipient


@login_required
async def new_page(request: web.Request) -> web.Response:
    """Write to someone of a circle: their conversation in it when there is one, else a form for the first
    message."""
    viewer = await _viewer(request)
    circle, recipient = await _target(viewer, request.query.get("circle", ""), request.query.get("to", ""))
    existing = await find_conversation(circle, viewer, recipient)
    if existing is not None:
        return redirect(request, f"/messages/{existing.id}#write")
    return await _render_new(request, viewer, circle, recipient, Form({}))


async def _render_new(
    request: web.Request,
    viewer: Actor,
    circle: Circle,
    recipient: Actor,
    form: Form,
    *,
    problem: str | None = None,
    status: int = 200,
) -> web.Response:
    refusal = await refusal_to_start(circle, viewer, recipient)
    context = {
        "circle": circle,
        "recipient_id": recipient.id,
        # A refused person is not named: a facilitator page's link is the only way here, and a guessed id
        # must not tell anyone's name.
        "recipient": None if refusal else (await people_names(circle, viewer, [recipient]))[recipient.id],
        "refusal": refusal,
        "form": form,
        "problem": problem,
        "max_length": MAX_MESSAGE_LENGTH,
    }
    return await render(request, "ui/messages/new.html", context, status=403 if refusal else status)


@login_required
async def start(request: web.Request) -> web.Response:
    viewer = await _viewer(request)
    form = await read_form(request)
    circle, recipient = await _target(viewer, form.raw("circle"), form.raw("to"))
    body = _read_body(form)
    if not form.ok:
        return await _render_new(request, viewer, circle, recipient, form, status=400)
    site, now = request.app[SITE], request.app[CLOCK].now()
    try:
        sent = await start_conversation(site, circle, viewer, recipient, source=body, now=now)
    except REFUSALS as exc:
        log.info("message in circle %s by actor %s refused: %s", circle.id, viewer.id, exc.status)
        return await _render_new(request, viewer, circle, recipient, form, problem=exc.message, status=exc.status)
    log.info("conversation %s: message %s by actor %s", sent.conversation.id, sent.message.id, viewer.id)
    return redirect(request, f"/messages/{sent.conversation.id}#latest", "Your message was sent.")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/messages", index, name="messages")
    app.router.add_get("/messages/new", new_page, name="message_new")
    app.router.add_post("/messages/new", start)
    app.router.add_get("/messages/{conversation_id}", show, name="conversation")
    app.router.add_post("/messages/{conversation_id}", reply)
