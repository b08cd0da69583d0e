"""Web UI: a member's notifications page (/notifications): what they were told of, newest first, unread ones
first under their own heading; marking one read, or all of them (which moves the read marker their apps share)."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.domain.notification_reads import all_read_position, is_unread, mark_read, marker_position, newest_id
from circlefed.domain.notifications import LARGEST_ID
from circlefed.errors import BadRequest, NotFound
from circlefed.services.markers import save_markers
from circlefed.storage.models import Notification
from circlefed.web.keys import CLOCK
from circlefed.web.ui.forms import read_form
from circlefed.web.ui.guards import login_required, signed_in_account, viewer_actor
from circlefed.web.ui.notification_lines import Reader, line_of
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url
from circlefed.web.ui.render import redirect, render

log = logging.getLogger(__name__)
PAGE = "/notifications"
PAGE_SIZE = 20  # each line is checked against the read rule: a few queries apiece


@login_required
async def notifications_page(request: web.Request) -> web.Response:
    account = await signed_in_account(request)
    actor = await viewer_actor(request)
    assert actor is not None  # login_required
    reader = Reader(account, actor, request.app[CLOCK].now())
    mine = Notification.filter(account_id=account.id)
    listing = await keyset_page(mine, "id", cursor_param(request), limit=PAGE_SIZE)
    position = await marker_position(account.id)
    lines = [await line_of(request, reader, n, is_unread(n, position)) for n in listing.items]
    context = {
        "new": [line for line in lines if line.unread],
        "earlier": [line for line in lines if not line.unread],
        "next_url": page_url(request, listing.next_cursor),
        "newest_id": await newest_id(account.id),
    }
    return await render(request, "ui/member/notifications.html", context)


def _id_of(raw: str) -> int | None:
    """A notification id as a path or form sends it; None for anything that cannot be one."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= len(str(LARGEST_ID)) else None


@login_required
async def mark_one_read(request: web.Request) -> web.StreamResponse:
    account = await signed_in_account(request)
    notification_id = _id_of(request.match_info["id"])
    if notification_id is None or not await mark_read(account.id, notification_id, now=request.app[CLOCK].now()):
        log.info("notifications page: account %s has no notification %s to mark read", account.id, notification_id)
        raise NotFound("That notification is not here.")
    return redirect(request, PAGE, "Marked as read.")


@login_required
async def mark_all_read(request: web.Request) -> web.StreamResponse:
    """Everything the member saw on the page is read (up to its newest notification then): the read marker moves
    there, as an app moves it."""
    account = await signed_in_account(request)
    up_to = _id_of((await read_form(request)).raw("up_to"))
    if up_to is None:
        log.info("notifications page: account %s sent mark-all-read without the page's newest id", account.id)
        raise BadRequest("This form is out of date: open your notifications again and mark them read there.")
    position = await all_read_position(account.id, up_to)
    if position is not None:
        await save_markers(account, {"notifications": position}, now=request.app[CLOCK].now())
    return redirect(request, PAGE, "All your notifications are marked as read.")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, notifications_page, name="notifications")
    app.router.add_post(f"{PAGE}/read", mark_all_read, name="notifications_read")
    app.router.add_post(PAGE + r"/{id:\d+}/read", mark_one_read, name="notification_read")
