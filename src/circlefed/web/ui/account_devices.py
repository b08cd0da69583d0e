"""Web UI: signing out the devices listed on /account: one of them, or every one (this device included)."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain.account_sessions import end_all_sessions, end_session_of
from circlefed.web.ui.forms import read_form
from circlefed.web.ui.guards import login_required, signed_in_account
from circlefed.web.ui.render import redirect
from circlefed.web.ui.session import current_session, log_out


@login_required
async def end_one(request: web.Request) -> web.StreamResponse:
    account = await signed_in_account(request)
    raw_id = (await read_form(request)).raw("session")
    this_session = await current_session(request)
    # Another account's session answers like one that ended already: nothing tells them apart.
    ended = await end_session_of(account, int(raw_id)) if raw_id.isdigit() else None
    if ended is None:
        return redirect(request, "/account", "That device was already signed out.")
    if this_session is not None and ended.id == this_session.id:
        await log_out(request)
        return redirect(request, "/login", "You have signed out on this device.")
    started = ended.created_at.strftime("%Y-%m-%d %H:%M")
    return redirect(request, "/account", f"Signed out {ended.browser or 'the device'} (signed in {started} UTC).")


@login_required
async def end_all(request: web.Request) -> web.StreamResponse:
    account = await signed_in_account(request)
    await end_all_sessions(account)
    await log_out(request)
    return redirect(request, "/login", "You have signed out on every device, this one included.")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/account/sessions/end", end_one, name="account_session_end")
    app.router.add_post("/account/sessions/end-all", end_all, name="account_sessions_end_all")
