"""Web UI: facilitators' controls on threads and replies: remove (with a reason), lock and pin; all federate."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.errors import BadRequest, NotFound
from circlefed.services import moderation, posting
from circlefed.storage.models import Post, Thread
from circlefed.web.keys import SITE
from circlefed.web.ui.facilitate_common import Moderating, back, facilitator_page, int_field, now
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.render import redirect

log = logging.getLogger(__name__)
MAX_REASON = 2000


async def _thread(mod: Moderating, form: Form) -> Thread:
    thread = await Thread.get_or_none(id=int_field(form.raw("thread_id"), "thread"), circle_id=mod.circle.id)
    if thread is None:
        raise NotFound("That thread is not in this circle.")
    return thread


async def _reply(mod: Moderating, form: Form) -> Post:
    post = await Post.get_or_none(id=int_field(form.raw("post_id"), "reply"), thread__circle_id=mod.circle.id)
    if post is None:
        raise NotFound("That reply is not in this circle.")
    return post


def _reason(form: Form) -> str:
    reason = form.text("reason", max_length=MAX_REASON)
    if not form.ok:
        raise BadRequest(form.errors["reason"])
    return reason


@facilitator_page
async def remove(request: web.Request, mod: Moderating) -> web.Response:
    """Remove a reply (post_id) or a whole thread (thread_id) as a moderator; the reason goes into the log."""
    form = await read_form(request)
    reason = _reason(form)
    if form.raw("post_id"):
        row = await _reply(mod, form)
        await posting.delete_reply(request.app[SITE], row, mod.viewer, now=now(request), reason=reason, moderating=True)
        message = "The reply was removed."
    else:
        row = await _thread(mod, form)
        await posting.delete_thread(
            request.app[SITE], row, mod.viewer, now=now(request), reason=reason, moderating=True
        )
        message = "The thread was removed."
    log.info("circle %s: %s removed by actor %s", mod.circle.id, row.uri, mod.viewer.id)
    return redirect(request, back(request, form.raw("next"), mod), message)


@facilitator_page
async def lock(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    thread, locked = await _thread(mod, form), form.raw("locked") != "0"
    reason = _reason(form)
    changed = await moderation.lock_thread(
        request.app[SITE], thread, mod.viewer, locked=locked, reason=reason, now=now(request)
    )
    state = "locked: no new replies" if locked else "open for replies again"
    message = f"The thread is {state}." if changed else f"The thread was already {'locked' if locked else 'open'}."
    return redirect(request, back(request, form.raw("next"), mod), message)


@facilitator_page
async def pin(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    thread, pinned = await _thread(mod, form), form.raw("pinned") != "0"
    changed = await moderation.pin_thread(request.app[SITE], thread, mod.viewer, pinned=pinned, now=now(request))
    state = "pinned to the top of the circle" if pinned else "no longer pinned"
    message = f"The thread is {state}." if changed else "Nothing changed: the thread already was."
    return redirect(request, back(request, form.raw("next"), mod), message)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/c/{slug}/facilitate/remove", remove, name="facilitate_remove")
    app.router.add_post("/c/{slug}/facilitate/lock", lock, name="facilitate_lock")
    app.router.add_post("/c/{slug}/facilitate/pin", pin, name="facilitate_pin")
