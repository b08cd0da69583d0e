"""Web API: Mastodon's notifications: the member's list (paged, filtered by type), one, dismissing one, clearing
them all, the unread count (above the notifications read marker), and the filtering policy and requests apps
ask for (nothing is filtered here). Only what the member may still see is ever answered (notification_views)."""

from __future__ import annotations

import contextlib
import logging

from aiohttp import web

from circlefed.domain import notifications
from circlefed.domain.markers import marker_of
from circlefed.errors import NotFound
from circlefed.storage.models import Notification, NotificationKind
from circlefed.web.api.auth import NO_STORE, TOKEN, bearer_required
from circlefed.web.api.notification_views import API_TYPES, render_notification, render_notifications
from circlefed.web.api.paging import Page, link_header, page_of
from circlefed.web.api.status_views import Viewer, viewer_of
from circlefed.web.api.statuses import refused_as_mastodon

log = logging.getLogger(__name__)

DEFAULT_LIMIT, MAX_LIMIT = 40, 80  # Mastodon's, for notifications
UNREAD_DEFAULT, UNREAD_MAX = 100, 1000
EMPTY_SUMMARY = {"pending_requests_count": 0, "pending_notifications_count": 0}


def _names(request: web.Request, name: str) -> set[str]:
    """A list parameter as apps send it: `name[]=a&name[]=b` (or `name=a`)."""
    return set(request.query.getall(f"{name}[]", [])) | set(request.query.getall(name, []))


def _kinds(request: web.Request) -> list[NotificationKind]:
    """The kinds the types[] and exclude_types[] filters leave (an unknown type matches nothing)."""
    wanted, excluded = _names(request, "types"), _names(request, "exclude_types")
    return [kind for kind, name in API_TYPES.items() if (not wanted or name in wanted) and name not in excluded]


async def _rendered(
    request: web.Request, viewer: Viewer, kinds: list[NotificationKind], page: Page
) -> list[dict]:
    """One page of Notification entities, newest first: from max_id down, or (min_id) the ones just above it."""
    oldest_first = page.min_id is not None
    found: list[dict] = []
    stream = notifications.shown(
        viewer.account, viewer.actor, kinds, below=page.max_id, above=page.lower, oldest_first=oldest_first
    )
    async with contextlib.aclosing(stream):
        waiting: list[Notification] = []
        async for notification in stream:
            waiting.append(notification)
            if len(found) + len(waiting) == page.limit:  # render a page's worth at once: one query per kind
                found += [item for item in await render_notifications(request, viewer, waiting) if item is not None]
                waiting = []
                if len(found) == page.limit:
                    break
        found += [item for item in await render_notifications(request, viewer, waiting) if item is not None]
    return list(reversed(found)) if oldest_first else found


@bearer_required("read:notifications")
@refused_as_mastodon
async def index(request: web.Request) -> web.StreamResponse:
    page = page_of(request, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    found = await _rendered(request, await viewer_of(request), _kinds(request), page)
    ids = [int(item["id"]) for item in found]
    headers = {**NO_STORE, **link_header(request, ids, full=len(found) == page.limit)}
    return web.json_response(found, headers=headers)


async def _one(request: web.Request, viewer: Viewer) -> tuple[Notification, dict]:
    """The notification the path names with its entity, or the one NotFound of a missing one."""
    raw = request.match_info["id"]
    notification = None
    if raw.isascii() and raw.isdigit() and len(raw) <= 19:
        notification = await notifications.one_shown(viewer.account, viewer.actor, int(raw))
    rendered = await render_notification(request, viewer, notification) if notification else None
    if notification is None or rendered is None:
        raise NotFound()
    return notification, rendered


@bearer_required("read:notifications")
@refused_as_mastodon
async def show(request: web.Request) -> web.StreamResponse:
    _, rendered = await _one(request, await viewer_of(request))
    return web.json_response(rendered, headers=NO_STORE)


@bearer_required("write:notifications")
@refused_as_mastodon
async def dismiss(request: web.Request) -> web.StreamResponse:
    viewer = await viewer_of(request)
    notification, _ = await _one(request, viewer)
    await notifications.dismiss(viewer.account, notification.id)
    return web.json_response({}, headers=NO_STORE)


@bearer_required("write:notifications")
async def clear(request: web.Request) -> web.StreamResponse:
    gone = await notifications.clear(request[TOKEN].account)
    log.info("api: token %d cleared %d notifications", request[TOKEN].id, gone)
    return web.json_response({}, headers=NO_STORE)


@bearer_required("read:notifications")
@refused_as_mastodon
async def unread_count(request: web.Request) -> web.StreamResponse:
    """How many the member may see above their notifications read marker, up to `limit` (Mastodon 4.3)."""
    viewer = await viewer_of(request)
    cap = page_of(request, default=UNREAD_DEFAULT, maximum=UNREAD_MAX).limit
    marker = await marker_of(viewer.account, "notifications")
    above = marker.last_read_id if marker is not None else None
    count = 0
    stream = notifications.shown(viewer.account, viewer.actor, _kinds(request), above=above)
    async with contextlib.aclosing(stream):
        async for notification in stream:
            if await render_notification(request, viewer, notification) is not None:
                count += 1
            if count >= cap:
                break
    return web.json_response({"count": count}, headers=NO_STORE)


@bearer_required("read:notifications")
async def policy(request: web.Request) -> web.StreamResponse:
    """Mastodon 4.3's filtering policy: everything accepted (members are told only of their circles' doings)."""
    accepted = dict.fromkeys(
        ("for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions", "for_limited_accounts"),
        "accept",
    )
    return web.json_response({**accepted, "summary": EMPTY_SUMMARY}, headers=NO_STORE)


@bearer_required("read:notifications")
async def policy_v1(request: web.Request) -> web.StreamResponse:
    """The same policy in the shape of 4.3's first version."""
    unfiltered = dict.fromkeys(
        ("filter_not_following", "filter_not_followers", "filter_new_accounts", "filter_private_mentions"), False
    )
    return web.json_response({**unfiltered, "summary": EMPTY_SUMMARY}, headers=NO_STORE)


@bearer_required("read:notifications")
async def requests(request: web.Request) -> web.StreamResponse:
    """Filtered notifications waiting for the member's decision: none, nothing is filtered."""
    return web.json_response([], headers=NO_STORE)


def add_routes(app: web.Application) -> None:
    # The fixed paths first: {id} would take them otherwise.
    app.router.add_get("/api/v1/notifications", index, name="api_notifications")
    app.router.add_get("/api/v1/notifications/unread_count", unread_count)
    app.router.add_get("/api/v1/notifications/requests", requests)
    app.router.add_get("/api/v1/notifications/policy", policy_v1)
    app.router.add_get("/api/v2/notifications/policy", policy)
    app.router.add_post("/api/v1/notifications/clear", clear)
    app.router.add_get("/api/v1/notifications/{id}", show)
    app.router.add_post("/api/v1/notifications/{id}/dismiss", dismiss)
