"""Web UI: the circles page: the viewer's circles, circles open to join here, and joining one elsewhere by handle."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from circlefed.domain.circle_founding import may_create_circles
from circlefed.errors import CirclefedError
from circlefed.federation.remote.handles import parse_handle
from circlefed.services import membership
from circlefed.storage.models import Account, Circle, Membership, MembershipState, Visibility
from circlefed.web.keys import FEDERATION, REQUEST_ID
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.guards import login_required, viewer_actor
from circlefed.web.ui.member_access import circle_path
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url
from circlefed.web.ui.render import redirect, render
from circlefed.web.ui.session import current_account

log = logging.getLogger(__name__)
MAX_HANDLE = 300
# A banned member still sees the circle in their list, marked: its page tells them about the ban. A declined
# request stays there too, marked, instead of vanishing (a circle elsewhere may have refused their instance).
SHOWN_STATES = [MembershipState.APPROVED, MembershipState.PENDING, MembershipState.BANNED, MembershipState.REJECTED]


async def _joined(account: Account | None) -> list[dict[str, Any]]:
    if account is None:
        return []
    rows = await (
        Membership.filter(actor_id=account.actor_id, state__in=SHOWN_STATES)  # type: ignore[attr-defined]
        .select_related("circle__actor__instance")
        .order_by("circle__name")
    )
    return [
        {
            "circle": row.circle,
            "path": circle_path(row.circle),
            "pending": row.state is MembershipState.PENDING,
            "banned": row.state is MembershipState.BANNED,
            "declined": row.state is MembershipState.REJECTED,
            # A declined person reads what anyone here may: a remote confidential circle's page is not theirs.
            "linked": row.state is not MembershipState.REJECTED or row.circle.is_local
            or row.circle.visibility is Visibility.PUBLIC,
            "host": None if row.circle.is_local else row.circle.actor.instance.domain,
        }
        for row in rows
    ]


async def _open_here(request: web.Request, account: Account | None, joined: list[dict[str, Any]]):
    """Circles hosted here the viewer has not joined: public ones for everyone, all of them for members here."""
    query = Circle.filter(is_local=True)
    if account is None:
        query = query.filter(visibility=Visibility.PUBLIC)
    joined_ids = [item["circle"].id for item in joined]
    if joined_ids:
        query = query.exclude(id__in=joined_ids)
    return await keyset_page(query, "created_at", cursor_param(request))


async def _page(request: web.Request, form: Form, *, status: int = 200) -> web.Response:
    account = await current_account(request)
    joined = await _joined(account)
    page = await _open_here(request, account, joined)
    context = {
        "joined": joined,
        "open_circles": page.items,
        "next_url": page_url(request, page.next_cursor),
        "form": form,
        "max_handle": MAX_HANDLE,
        "may_start": account is not None and await may_create_circles(await account.actor),
    }
    return await render(request, "ui/member/circles.html", context, status=status)


async def circles(request: web.Request) -> web.StreamResponse:
    return await _page(request, Form({}))


@login_required
async def join_elsewhere(request: web.Request) -> web.StreamResponse:
    """Join a circle on another instance by its handle: WebFinger, then a Follow the circle answers."""
    form = await read_form(request)
    handle = form.text("handle", label="The circle's handle", required=True, max_length=MAX_HANDLE)
    if form.ok:
        try:
            parse_handle(handle)
        except CirclefedError:
            form.error("handle", "Write the handle like @circle@example.org: the circle's name, @, then its instance.")
    if not form.ok:
        return await _page(request, form, status=400)
    actor = await viewer_actor(request)
    assert actor is not None  # login_required
    try:
        outcome = await membership.join_elsewhere(request.app[FEDERATION], actor, handle)
    except CirclefedError as exc:
        log.info("refused joining a circle by handle for actor %s: %s", actor.id, exc.message)
        form.error("handle", _join_problem(exc, request[REQUEST_ID]))
        return await _page(request, form, status=exc.status if exc.status < 500 else 502)
    circle = await Circle.get(id=outcome.membership.circle_id)  # type: ignore[attr-defined]
    return redirect(
        request, circle_path(circle), f"You asked to join {circle.name}. Its facilitators there will answer soon."
    )


def _join_problem(exc: CirclefedError, request_id: str) -> str:
    """What the member reads: plain words, and a reference the admin finds in the log beside the technical
    cause (the exception's text names hosts, addresses and library errors: not for this page)."""
    if exc.status == 404:
        return "We could not find a circle with that handle. Check the spelling and the instance."
    if exc.status == 403:
        return "This instance does not connect with that one."
    reference = f"If it keeps happening, give your instance's admin this request reference: {request_id}."
    if exc.status >= 500:
        return f"We could not reach that instance just now. Try again later. {reference}"
    return f"We could not join a circle with that handle: check it, or try another instance. {reference}"


def add_routes(app: web.Application) -> None:
    app.router.add_get("/circles", circles, name="circles")
    app.router.add_post("/circles/join", join_elsewhere, name="circles_join")
