"""Web API: what circlefed does not have (filters, lists, announcements, bookmarks), as empty answers: apps load
these lists at sign-in and stop on a 404; creating one is refused with a clear message instead."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.web.api.auth import NO_STORE, TOKEN, Handler, bearer_required, mastodon_error

log = logging.getLogger(__name__)

# Each list, and the scope an app needs to read it (Mastodon's own).
EMPTY_LISTS = {
    "/api/v1/filters": "read:filters",
    "/api/v2/filters": "read:filters",
    "/api/v1/lists": "read:lists",
    "/api/v1/announcements": "read",
    "/api/v1/bookmarks": "read:bookmarks",
    "/api/v1/followed_tags": "read:follows",
    "/api/v1/featured_tags": "read:accounts",
    "/api/v1/blocks": "read:blocks",
    "/api/v1/mutes": "read:mutes",
    "/api/v1/domain_blocks": "read:blocks",
    "/api/v1/scheduled_statuses": "read:statuses",
    "/api/v1/endorsements": "read:accounts",
    "/api/v2/suggestions": "read",
    "/api/v1/trends/tags": "",
    "/api/v1/trends/statuses": "",
    "/api/v1/trends/links": "",
}
# What an app may try to make, and why it cannot be made here.
NOT_MADE = {
    "/api/v1/filters": "Filters are not supported here yet",
    "/api/v2/filters": "Filters are not supported here yet",
    "/api/v1/lists": "Lists are not supported here: follow a circle to see its threads in your home timeline",
    "/api/v1/featured_tags": "Hashtags are not supported here",
    "/api/v1/scheduled_statuses": "Scheduled posts are not supported here",
}


def empty_list(scope: str) -> Handler:
    async def answer(request: web.Request) -> web.Response:
        return web.json_response([], headers=NO_STORE)

    return bearer_required(scope)(answer) if scope else answer


def refusal(message: str) -> Handler:
    @bearer_required("write")
    async def answer(request: web.Request) -> web.Response:
        log.info("api: token %d asked %s %s: %s", request[TOKEN].id, request.method, request.path, message)
        return mastodon_error(message, 422)

    return answer


def add_routes(app: web.Application) -> None:
    for path, scope in EMPTY_LISTS.items():
        app.router.add_get(path, empty_list(scope))
    for path, message in NOT_MADE.items():
        app.router.add_post(path, refusal(message))
