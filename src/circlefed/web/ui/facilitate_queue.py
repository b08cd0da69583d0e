"""Web UI: facilitators decide on join requests and on posts the safety net held for review."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.domain import review, revisions
from circlefed.errors import NotFound
from circlefed.services import decisions, membership
from circlefed.storage.models import Actor, Membership, MembershipState, Post, Revision, Thread
from circlefed.web.keys import SITE
from circlefed.web.ui.facilitate_common import Moderating, facilitator_page, int_field, now, page
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.member_access import names
from circlefed.web.ui.message_links import writable
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url
from circlefed.web.ui.render import redirect

log = logging.getLogger(__name__)
MAX_REASON = 2000


@facilitator_page
async def requests_page(request: web.Request, mod: Moderating) -> web.Response:
    return await _render_requests(request, mod)


async def _render_requests(request: web.Request, mod: Moderating, form: Form | None = None) -> web.Response:
    pending = Membership.filter(circle_id=mod.circle.id, state=MembershipState.PENDING).select_related("actor")
    listing = await keyset_page(pending, "id", None if form else cursor_param(request))
    context = {
        "requests": listing.items,
        "names": await names(mod.circle, [row.actor for row in listing.items], for_facilitators=True),
        "next_url": None if form else page_url(request, listing.next_cursor),
        "form": form,
    }
    return await page(request, mod, "ui/facilitate/requests.html", context, status=400 if form else 200)


async def _requester(form: Form) -> Actor:
    actor = await Actor.get_or_none(id=int_field(form.raw("actor_id"), "request"))
    if actor is None:
        raise NotFound("That join request is no longer here.")
    return actor


@facilitator_page
async def approve_request(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    person = await _requester(form)
    await membership.approve_join(request.app[SITE], mod.circle, person, mod.viewer, now=now(request))
    log.info("circle %s: join request of actor %s approved by actor %s", mod.circle.id, person.id, mod.viewer.id)
    return redirect(request, f"{mod.base}/requests", "Request approved: they are a member of the circle now.")


@facilitator_page
async def reject_request(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    person = await _requester(form)
    reason = form.text("reason", max_length=MAX_REASON)
    if not form.ok:
        return await _render_requests(request, mod, form)
    await membership.reject_join(request.app[SITE], mod.circle, person, mod.viewer, reason=reason, now=now(request))
    log.info("circle %s: join request of actor %s declined by actor %s", mod.circle.id, person.id, mod.viewer.id)
    return redirect(request, f"{mod.base}/requests", "Request declined.")


@facilitator_page
async def held_page(request: web.Request, mod: Moderating) -> web.Response:
    return await _render_held(request, mod)


async def _render_held(request: web.Request, mod: Moderating, form: Form | None = None) -> web.Response:
    held = await review.held_posts(mod.circle, mod.viewer)
    threads = {row.id: row for row in await Thread.filter(id__in=[r.thread_id for r in held if isinstance(r, Post)])}
    authors = {a.id: a for a in await Actor.filter(id__in=list({row.author_id for row in held}))}
    items = [
        {
            "kind": "thread" if isinstance(row, Thread) else "post",
            "row": row,
            "thread": row if isinstance(row, Thread) else threads.get(row.thread_id),
            "author": authors.get(row.author_id),
        }
        for row in held
    ]
    edits = await revisions.held_edits(mod.circle)
    authors |= {a.id: a for a in await Actor.filter(id__in=[edit.author_id for edit in edits])}  # type: ignore[attr-defined]
    shown = await names(mod.circle, authors.values(), for_facilitators=True)
    context = {
        "items": items, "edits": edits, "names": shown, "form": form,
        "writable": await writable(mod.circle, mod.viewer, authors.values()),
    }
    return await page(request, mod, "ui/facilitate/held.html", context, status=400 if form else 200)


async def _held_row(mod: Moderating, form: Form) -> Thread | Post:
    row_id = int_field(form.raw("id"), "post")
    if form.raw("kind") == "thread":
        row = await Thread.get_or_none(id=row_id, circle_id=mod.circle.id)
    else:
        row = await Post.get_or_none(id=row_id, thread__circle_id=mod.circle.id)
    if row is None:
        raise NotFound("That post is not in this circle's review queue.")
    return row


@facilitator_page
async def approve_held(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    row = await _held_row(mod, form)
    await decisions.approve_post(request.app[SITE], row, mod.viewer, now=now(request))
    log.info("circle %s: held post %s approved by actor %s", mod.circle.id, row.uri, mod.viewer.id)
    return redirect(request, f"{mod.base}/held", "Approved: the post is visible to the circle now.")


@facilitator_page
async def reject_held(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    row = await _held_row(mod, form)
    reason, note = form.text("reason", max_length=MAX_REASON), form.text("note", max_length=MAX_REASON)
    if not form.ok:
        return await _render_held(request, mod, form)
    await decisions.reject_post(row, mod.viewer, reason=reason, note=note, now=now(request))
    log.info("circle %s: held post %s declined by actor %s", mod.circle.id, row.uri, mod.viewer.id)
    return redirect(request, f"{mod.base}/held", "Declined: the post stays hidden.")


async def _held_edit(mod: Moderating, form: Form) -> Revision:
    wanted = int_field(form.raw("id"), "edit")
    found = [edit for edit in await revisions.held_edits(mod.circle) if edit.id == wanted]
    if not found:
        raise NotFound("That edit is not in this circle's review queue.")
    return found[0]


@facilitator_page
async def approve_edit(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    edit = await _held_edit(mod, form)
    await decisions.approve_edit(request.app[SITE], edit, mod.viewer, now=now(request))
    log.info("circle %s: held edit %s approved by actor %s", mod.circle.id, edit.id, mod.viewer.id)
    return redirect(request, f"{mod.base}/held", "Approved: the circle sees the new text now.")


@facilitator_page
async def reject_edit(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    edit = await _held_edit(mod, form)
    note = form.text("note", max_length=MAX_REASON)
    if not form.ok:
        return await _render_held(request, mod, form)
    await decisions.reject_edit(edit, mod.viewer, note=note, now=now(request))
    log.info("circle %s: held edit %s declined by actor %s", mod.circle.id, edit.id, mod.viewer.id)
    return redirect(request, f"{mod.base}/held", "Declined: the post keeps its earlier text.")


@facilitator_page
async def history_page(request: web.Request, mod: Moderating) -> web.Response:
    """A post's texts over time (what each edit changed, when), newest first, for the circle's facilitators."""
    form = Form(dict(request.query))
    row = await _held_row(mod, form)
    earlier = await revisions.history(row)
    author = await Actor.get(id=row.author_id)  # type: ignore[attr-defined]
    shown = await names(mod.circle, [author], for_facilitators=True)
    context = {"row": row, "is_thread": isinstance(row, Thread), "earlier": earlier, "author": shown[author.id]}
    return await page(request, mod, "ui/facilitate/history.html", context)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/c/{slug}/facilitate/requests", requests_page, name="facilitate_requests")
    app.router.add_post("/c/{slug}/facilitate/requests/approve", approve_request)
    app.router.add_post("/c/{slug}/facilitate/requests/reject", reject_request)
    app.router.add_get("/c/{slug}/facilitate/held", held_page, name="facilitate_held")
    app.router.add_post("/c/{slug}/facilitate/held/approve", approve_held)
    app.router.add_post("/c/{slug}/facilitate/held/reject", reject_held)
    app.router.add_post("/c/{slug}/facilitate/held/edit/approve", approve_edit)
    app.router.add_post("/c/{slug}/facilitate/held/edit/reject", reject_edit)
    app.router.add_get("/c/{slug}/facilitate/history", history_page)
