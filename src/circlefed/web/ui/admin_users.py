"""Web UI: /admin/users: accounts (search, keyset paging), approving new ones, disabling and enabling, admin rights,
password reset links, and the sign-in limits reached recently."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain import account_admin, login_limits, password_resets, registration
from circlefed.errors import BadRequest, NotFound
from circlefed.storage.models import Account
from circlefed.web.keys import CLOCK, SETTINGS
from circlefed.web.ui.forms import read_form
from circlefed.web.ui.guards import admin_required, signed_in_account
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url
from circlefed.web.ui.render import redirect, render

PAGE = "/admin/users"
MAX_QUERY = 64
WAIT_MINUTES = int(login_limits.WINDOW.total_seconds() // 60)
LOCKOUT_TEXT = {
    login_limits.PAIR: f"{login_limits.MAX_PER_PAIR} wrong passwords for this name from one address: that address"
    f" waits up to {WAIT_MINUTES} minutes before trying this name again.",
    login_limits.ADDRESS: f"{login_limits.MAX_PER_ADDRESS} wrong passwords from one address for any names: it"
    f" waits up to {WAIT_MINUTES} minutes.",
    login_limits.DEVICE: f"{login_limits.MAX_PER_PAIR} wrong passwords from a browser that signed in with this name"
    f" before: it waits up to {WAIT_MINUTES} minutes.",
    login_limits.SLOWED: f"{login_limits.FREE_FAILURES} wrong passwords for this name, from anywhere: each new try"
    f" waits up to {int(login_limits.MAX_WAIT.total_seconds())} seconds (browsers that signed in before are not"
    " slowed).",
}


@admin_required
async def users_page(request: web.Request) -> web.StreamResponse:
    return await _users_page(request)


async def _users_page(request: web.Request, *, reset: dict | None = None) -> web.Response:
    query = request.query.get("q", "").strip().lower()[:MAX_QUERY]
    accounts = Account.filter(is_approved=True)
    if query:
        accounts = accounts.filter(username__icontains=query)
    page = await keyset_page(accounts, "created_at", cursor_param(request))
    context = {
        "query": query,
        "accounts": page.items,
        "next_url": page_url(request, page.next_cursor),
        "waiting": await registration.list_pending_accounts(),
        "lockouts": await login_limits.recent_lockouts(request.app[CLOCK].now()),
        "lockout_text": LOCKOUT_TEXT,
        "keep_days": login_limits.KEEP_LOCKOUTS.days,
        "reset": reset,
    }
    return await render(request, "ui/admin/users.html", context)


def _account_id(request: web.Request) -> int:
    return int(request.match_info["id"])  # the route matches digits only


@admin_required
async def approve(request: web.Request) -> web.StreamResponse:
    account = await registration.approve_account(_account_id(request))
    return redirect(request, PAGE, f"Approved {account.username}: they can sign in now.")


@admin_required
async def reject(request: web.Request) -> web.StreamResponse:
    account = await Account.get_or_none(id=_account_id(request), is_approved=False)
    if account is None:
        raise NotFound("No account with that number is waiting for approval.")
    await registration.reject_pending_account(account.id)
    return redirect(request, PAGE, f"Declined the request of {account.username}; the account is removed.")


async def _change_access(request: web.Request, change, verb: str, done: str) -> web.StreamResponse:
    """Disable or enable another account (`change`: account_admin.disable or .enable), saying "<verb> <name><done>"."""
    admin = await signed_in_account(request)
    try:
        account = await change(_account_id(request), by=admin)
    except BadRequest as exc:
        return redirect(request, PAGE, exc.message, kind="error")
    return redirect(request, PAGE, f"{verb} {account.username}{done}")


@admin_required
async def disable(request: web.Request) -> web.StreamResponse:
    return await _change_access(request, account_admin.disable, "Disabled", ": they can no longer sign in.")


@admin_required
async def enable(request: web.Request) -> web.StreamResponse:
    return await _change_access(request, account_admin.enable, "Enabled", ": they can sign in again.")


@admin_required
async def reset_link(request: web.Request) -> web.StreamResponse:
    """A one-time link to set a new password, shown once on this page for the admin to pass on."""
    admin = await signed_in_account(request)
    account = await Account.get_or_none(id=_account_id(request))
    if account is None:
        raise NotFound("No account with that number.")
    if account.id == admin.id:
        return redirect(request, PAGE, "Change your own password on your account page.", kind="error")
    token = await password_resets.issue_reset(account, now=request.app[CLOCK].now())
    link = f"{request.app[SETTINGS].instance.base_url}/reset/{token}"
    return await _users_page(request, reset={"username": account.username, "link": link})


@admin_required
async def set_admin(request: web.Request) -> web.StreamResponse:
    admin = await signed_in_account(request)
    form = await read_form(request)
    value = form.choice("admin", ("on", "off"), label="Admin rights")
    if not form.ok:
        raise BadRequest(form.errors["admin"])
    try:
        account = await account_admin.set_admin(_account_id(request), value == "on", by=admin)
    except BadRequest as exc:
        return redirect(request, PAGE, exc.message, kind="error")
    message = "is now an admin" if account.is_admin else "is no longer an admin"
    return redirect(request, PAGE, f"{account.username} {message}.")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, users_page, name="admin_users")
    app.router.add_post(PAGE + r"/{id:\d+}/approve", approve)
    app.router.add_post(PAGE + r"/{id:\d+}/reject", reject)
    app.router.add_post(PAGE + r"/{id:\d+}/disable", disable)
    app.router.add_post(PAGE + r"/{id:\d+}/enable", enable)
    app.router.add_post(PAGE + r"/{id:\d+}/reset", reset_link)
    app.router.add_post(PAGE + r"/{id:\d+}/admin", set_admin)
