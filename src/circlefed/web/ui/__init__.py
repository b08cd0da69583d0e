"""Web UI: server-rendered HTML pages; setup_ui wires sessions, CSRF, page context and every UI module's routes."""

from __future__ import annotations

import functools

from aiohttp import web

from circlefed.web.ui import (
    account,
    account_apps,
    account_data,
    account_devices,
    admin,
    auth,
    circle_invite,
    circle_new,
    facilitate,
    home,
    media_proxy,
    member_circle_page,
    member_circles,
    member_compose,
    member_posts,
    member_report,
    member_threads,
    messages,
    notifications_page,
    oauth_consent,
    password_forgot,
    password_reset,
    search_page,
)
from circlefed.web.ui.csrf import csrf_protect, is_signed_route
from circlefed.web.ui.render import page_context
from circlefed.web.ui.session import sessions_middleware

# Every UI module with add_routes(app); add yours here.
MODULES = [home, auth, account, account_data, account_devices, password_reset, password_forgot, admin, facilitate]
# Member pages (circles, circle page, threads, writing, post actions).
MODULES += [member_circles, member_circle_page, member_threads, member_compose, member_posts, member_report]
MODULES += [media_proxy, circle_invite, circle_new]
# Finding threads and replies by their words.
MODULES += [search_page]
# Private messages between facilitators and members; what a member is told of.
MODULES += [messages, notifications_page]
# Apps acting for members: the OAuth consent page and the Apps list on /account.
MODULES += [oauth_consent, account_apps]


def add_ui_routes(app: web.Application) -> None:
    for module in MODULES:
        module.add_routes(app)


def setup_ui(app: web.Application) -> None:
    """Sessions, then CSRF, then the page context (in this order, inside the app's own middlewares), then routes."""
    app.middlewares.append(ui_middlewares(sessions_middleware(app), csrf_protect, page_context))
    add_ui_routes(app)


def ui_middlewares(*layers):
    """One middleware running `layers` outermost first, except on signed server-to-server routes (inboxes,
    signed APIs), which have no session, form or page: they skip all of them, which keeps the inbox hot path
    three calls shorter."""

    @web.middleware
    async def ui_layers(request: web.Request, handler):
        if is_signed_route(request):
            return await handler(request)
        for layer in reversed(layers):
            handler = functools.partial(layer, handler=handler)
        return await handler(request)

    return ui_layers
