"""Web UI: a circle's page (rules, join state, threads) and joining, leaving and acknowledging its ground rules."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from circlefed.domain.memberships import facilitators
from circlefed.domain.rules import acknowledge_rules
from circlefed.domain.standing import has_rules
from circlefed.errors import CirclefedError, Forbidden
from circlefed.services import membership
from circlefed.storage.models import Actor, Circle, MembershipState, ReviewState, Thread, Visibility
from circlefed.storage.visibility import visible_threads
from circlefed.web.keys import CLOCK, SITE
from circlefed.web.ui.forms import as_sentence, confirmed, read_form
from circlefed.web.ui.guards import login_required
from circlefed.web.ui.member_access import (
    Access,
    author_labels,
    circle_access,
    circle_of_request,
    names,
    share_if_public,
    thread_path,
)
from circlefed.web.ui.message_links import writable
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url
from circlefed.web.ui.render import redirect, render

log = logging.getLogger(__name__)
RULES_FIELD = "accept_rules"


async def show(request: web.Request) -> web.Response:
    """The HTML page of /c/<slug> and /circles/remote/<id> (the AS2 Group document is served elsewhere)."""
    circle = await circle_of_request(request)
    return await _render(request, await circle_access(request, circle))


async def _render(request: web.Request, access: Access, *, errors: dict | None = None, status: int = 200):
    circle = access.circle
    group = await Actor.get(id=circle.actor_id).select_related("instance")
    host = None if circle.is_local else group.instance.domain
    context: dict[str, Any] = {
        "access": access,
        "circle": circle,
        "is_public": circle.visibility is Visibility.PUBLIC,
        "handle": f"@{group.preferred_username}@{host or request.app[SITE].domain}",
        "host": host,
        "show_rules": circle.visibility is Visibility.PUBLIC or access.account is not None,
        "needs_rules_checkbox": circle.is_local and has_rules(circle),
        "errors": errors or {},
        "rules_field": RULES_FIELD,
    }
    if access.can_read:
        context.update(await _threads(request, access))
    context["facilitator_contacts"] = await _facilitator_contacts(access)
    return share_if_public(await render(request, "circle.html", context, status=status), access)


async def _facilitator_contacts(access: Access) -> list[dict[str, Any]]:
    """The facilitators a member of a circle hosted here may write to privately, as the circle names them."""
    if not access.is_member or not access.circle.is_local:
        return []
    people = await facilitators(access.circle)
    allowed = await writable(access.circle, access.actor, people)
    shown = await names(access.circle, people)
    return [{"id": person.id, "name": shown[person.id]} for person in people if person.id in allowed]


async def _threads(request: web.Request, access: Access) -> dict[str, Any]:
    """Pinned threads (first page), then the others by last activity, newest first, one keyset page at a time."""
    cursor = cursor_param(request)
    readable = Thread.filter(circle_id=access.circle.id, audience__in=access.audiences, deleted_at__isnull=True)
    listed = await visible_threads(readable.filter(review_state=ReviewState.VISIBLE), public=True)
    page = await keyset_page(listed.filter(is_pinned=False), "last_activity_at", cursor)
    pinned = [] if cursor else await listed.filter(is_pinned=True).order_by("-last_activity_at", "-id")
    waiting = []
    if access.actor is not None and not cursor:
        waiting = await readable.filter(author_id=access.actor.id).exclude(review_state=ReviewState.VISIBLE)
    shown = [*pinned, *page.items, *waiting]
    labels = await author_labels(access.circle, {thread.author_id for thread in shown})

    def item(thread: Thread) -> dict[str, Any]:
        return {"thread": thread, "path": thread_path(request, thread), "author": labels.get(thread.author_id, "")}

    return {
        "pinned": [item(t) for t in pinned],
        "threads": [item(t) for t in page.items],
        "waiting": [item(t) for t in waiting],
        "next_url": page_url(request, page.next_cursor),
    }


@login_required
async def join(request: web.Request) -> web.StreamResponse:
    """Join (open public circle) or ask to join; local members accept the current ground rules to do so."""
    circle = await circle_of_request(request)
    access = await circle_access(request, circle)
    form = await read_form(request)
    if access.is_member or access.is_pending:
        return redirect(request, access.path, "You are already in this circle or waiting for an answer.")
    if not circle.is_local:
        raise Forbidden("Ask to join a circle on another instance from the Circles page, with its handle.")
    version = None
    if has_rules(circle):
        if not form.checkbox(RULES_FIELD):
            errors = {RULES_FIELD: "Please read the ground rules and tick the box to accept them."}
            return await _render(request, access, errors=errors, status=400)
        version = _int(form.raw("rules_version"))
    assert access.actor is not None  # login_required
    now = request.app[CLOCK].now()
    try:
        outcome = await membership.join_circle(request.app[SITE], circle, access.actor, rules_version=version, now=now)
    except CirclefedError as exc:
        log.info("refused join of actor %s to circle %s: %s", access.actor.id, circle.id, exc.message)
        return await _render(request, access, errors={RULES_FIELD: as_sentence(exc.message)}, status=exc.status)
    if outcome.state is MembershipState.APPROVED:
        return redirect(request, access.path, f"Welcome to {circle.name}.")
    return redirect(request, access.path, "Your request to join was sent. A facilitator will look at it.")


@login_required
async def leave(request: web.Request) -> web.StreamResponse:
    circle = await circle_of_request(request)
    access = await circle_access(request, circle)
    if access.membership is None:
        return redirect(request, access.path, "You are not in this circle.")
    assert access.actor is not None
    was_pending = access.is_pending
    if not was_pending and _coming_back_needs_approval(circle) and not confirmed(await read_form(request)):
        return await _confirm_leaving(request, circle, access)
    now = request.app[CLOCK].now()
    try:
        await membership.leave_circle(request.app[SITE], circle, access.actor, now=now)
    except CirclefedError as exc:
        log.info("refused leaving circle %s for actor %s: %s", circle.id, access.actor.id, exc.message)
        return redirect(request, access.path, as_sentence(exc.message), kind="error")
    if was_pending:
        return redirect(request, "/circles", f"You withdrew your request to join {circle.name}.")
    return redirect(request, "/circles", f"You left {circle.name}. You are welcome back any time.")


def _coming_back_needs_approval(circle: Circle) -> bool:
    return circle.visibility is not Visibility.PUBLIC or circle.requires_approval


async def _confirm_leaving(request: web.Request, circle: Circle, access: Access) -> web.Response:
    """Leaving a circle one cannot simply rejoin is asked once more, on a page of its own."""
    explanation = [
        f"You will no longer read {circle.name}, and coming back means asking to join again: a facilitator decides.",
        "What you wrote stays in the circle. You can delete your posts first if you want them gone.",
    ]
    context = {
        "heading": f"Leave {circle.name}?",
        "explanation": explanation,
        "action": f"{access.path}/leave",
        "confirm": f"Leave {circle.name}",
        "cancel": access.path,
        "cancel_label": "Stay in the circle",
    }
    return await render(request, "ui/member/confirm.html", context)


@login_required
async def acknowledge(request: web.Request) -> web.StreamResponse:
    """Accept the ground rules again after facilitators changed them (needed before posting again)."""
    circle = await circle_of_request(request)
    access = await circle_access(request, circle)
    form = await read_form(request)
    if not access.is_member:
        raise Forbidden("Only members of this circle accept its ground rules here.")
    if not form.checkbox(RULES_FIELD):
        errors = {RULES_FIELD: "Please read the ground rules and tick the box to accept them."}
        return await _render(request, access, errors=errors, status=400)
    assert access.actor is not None
    try:
        await acknowledge_rules(
            circle, access.actor, version=_int(form.raw("rules_version")) or 0, now=request.app[CLOCK].now()
        )
    except CirclefedError as exc:
        return await _render(request, access, errors={RULES_FIELD: as_sentence(exc.message)}, status=exc.status)
    return redirect(request, access.path, "Thank you. You can post in this circle again.")


def _int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


def add_routes(app: web.Application) -> None:
    # GET /c/{slug} is web/actors.py's (AS2 or this page); remote circles joined from here live under /circles.
    app.router.add_get("/circles/remote/{circle_id}", show, name="remote_circle")
    for prefix in ("/c/{slug}", "/circles/remote/{circle_id}"):
        app.router.add_post(f"{prefix}/join", join)
        app.router.add_post(f"{prefix}/leave", leave)
        app.router.add_post(f"{prefix}/rules", acknowledge)
