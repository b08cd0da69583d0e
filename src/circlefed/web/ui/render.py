"""Web UI: rendering pages with what every page needs (viewer, CSRF token, flashes, instance name) and redirects."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from circlefed.domain.conversations import unread_count
from circlefed.domain.instance_policy import read_instance_policy
from circlefed.domain.notification_reads import unread_count as unread_notifications
from circlefed.errors import CirclefedError
from circlefed.storage.models import InstancePolicy, Membership, MembershipState, RegistrationMode, Role
from circlefed.web.keys import SETTINGS
from circlefed.web.negotiation import wants_html
from circlefed.web.ui.csrf import Handler, is_signed_route, template_token
from circlefed.web.ui.flash import flash, pop_flashes, restore_flashes, save_flashes
from circlefed.web.ui.session import current_account

_BASE = web.RequestKey("circlefed_page_base", dict)
_POLICY = web.RequestKey("circlefed_instance_policy", InstancePolicy)


async def render(
    request: web.Request, template: str, context: Mapping[str, Any] | None = None, *, status: int = 200
) -> web.Response:
    """A page from `template` with the base context; flashes waiting in the session are shown (once)."""
    full = {**await page_base(request), "flash_messages": pop_flashes(request), **(context or {})}
    response = aiohttp_jinja2.render_template(template, request, full, status=status)
    response.headers.setdefault("Cache-Control", "private, no-store")  # pages may show members-only things
    return response


def redirect(request: web.Request, location: str, message: str | None = None, *, kind: str = "info") -> web.Response:
    """303 See Other to `location` (after a form); `message` is flashed on the next page."""
    if message:
        flash(request, message, kind)
    return web.Response(status=303, headers={"Location": location})


async def page_base(request: web.Request) -> dict[str, Any]:
    """What base.html needs, computed once per request: viewer, its nav entries (with one count each of unread
    conversations and notifications), CSRF token, instance name."""
    if _BASE in request:
        return request[_BASE]
    viewer = await current_account(request)
    policy = await request_policy(request)
    settings = request.app[SETTINGS].instance
    mode = policy.registration_mode
    base = {
        "viewer": viewer,
        "viewer_facilitates": viewer is not None and await _facilitates(viewer.actor_id),  # type: ignore[attr-defined]
        "unread_conversations": await unread_count(viewer.actor_id) if viewer is not None else 0,  # type: ignore[attr-defined]
        "unread_notifications": await unread_notifications(viewer.id) if viewer is not None else 0,
        "csrf_token": await template_token(request),
        "instance_name": policy.instance_name or settings.name,
        "instance_description": policy.instance_description or settings.description,
        "registration_mode": mode.value,
        "registration_open": mode in (RegistrationMode.OPEN, RegistrationMode.APPROVAL),
    }
    request[_BASE] = base
    return base


async def recount_unread(request: web.Request) -> None:
    """Count the viewer's unread conversations again for the navigation (a page that just marked one read)."""
    base = await page_base(request)
    viewer = base["viewer"]
    if viewer is not None:
        base["unread_conversations"] = await unread_count(viewer.actor_id)


async def request_policy(request: web.Request) -> InstancePolicy:
    """The instance policy (its defaults before an admin saved one), read once per request: every page shows its
    name, and some pages its crisis resources."""
    if _POLICY not in request:
        request[_POLICY] = await read_instance_policy()
    return request[_POLICY]


async def _facilitates(actor_id: int) -> bool:
    return await Membership.filter(actor_id=actor_id, role=Role.FACILITATOR, state=MembershipState.APPROVED).exists()


def _set_template_context(request: web.Request, context: dict[str, Any]) -> None:
    # aiohttp_jinja2 reads this plain string key (its own context processors use it too).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        request[aiohttp_jinja2.REQUEST_CONTEXT_KEY] = context


@web.middleware
async def page_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give pages rendered outside render() (content-negotiated pages, error pages) the same context and flashes;
    keep the flashes a handler added for the next page."""
    if is_signed_route(request):
        return await handler(request)
    is_page_view = wants_html(request) and request.method in ("GET", "HEAD")
    if is_page_view:
        _set_template_context(request, {**await page_base(request), "flash_messages": pop_flashes(request)})
    try:
        response = await handler(request)
    except (web.HTTPException, CirclefedError) as exc:
        if exc.status >= 400 and wants_html(request) and not is_page_view:  # error page after a form: same nav
            _set_template_context(request, {**await page_base(request), "flash_messages": pop_flashes(request)})
        await _after(request, exc.status, is_page_view)
        raise
    await _after(request, response.status, is_page_view)
    return response


async def _after(request: web.Request, status: int, is_page_view: bool) -> None:
    if is_page_view and 300 <= status < 400:
        restore_flashes(request)  # not shown: keep them for the page the redirect leads to
    await save_flashes(request)
