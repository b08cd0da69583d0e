"""Helpers for the admin page tests: an admin signed in through the real login form, and posting admin forms."""

from __future__ import annotations

from tests.factories import member_account, site_of
from tests.integration.web.conftest import HTML, post_form, sign_in

ADMIN_GET_PAGES = [
    "/admin",
    "/admin/settings",
    "/admin/federation",
    "/admin/federation/export.csv",
    "/admin/users",
    "/admin/invites",
    "/admin/log",
    "/admin/log/export?format=json",
    "/admin/deliveries",
    "/admin/content-rules",
]
ADMIN_POSTS = [
    "/admin/settings",
    "/admin/federation/mode",
    "/admin/federation/rules",
    "/admin/federation/rules/clear",
    "/admin/federation/import",
    "/admin/federation/trusted",
    "/admin/federation/trusted/remove",
    "/admin/users/1/approve",
    "/admin/users/1/reject",
    "/admin/users/1/disable",
    "/admin/users/1/admin",
    "/admin/invites",
    "/admin/invites/1/revoke",
    "/admin/deliveries/1/retry",
    "/admin/deliveries/retry-domain",
    "/admin/content-rules",
    "/admin/content-rules/1/remove",
]


async def signed_in_admin(client, settings, name: str = "ada"):
    account = await member_account(site_of(settings), name, is_admin=True)
    await sign_in(client, name)
    return account


async def admin_post(client, path: str, data: dict | None = None, **kwargs):
    """POST a form as the signed-in admin (the CSRF token read from /admin); redirects are not followed."""
    return await post_form(client, path, data or {}, page="/admin", **kwargs)


async def follow(client, response) -> str:
    """The page a 303 leads to (where its flash message is shown)."""
    assert response.status == 303, await response.text()
    return await (await client.get(response.headers["Location"], headers=HTML)).text()
