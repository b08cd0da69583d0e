"""Web UI: the Apps list on /account: taking an app's access away (every token it holds for the member)."""

from __future__ import annotations

from aiohttp import web

from circlefed.services.oauth import revoke_app
from circlefed.web.keys import CLOCK
from circlefed.web.ui.forms import read_form
from circlefed.web.ui.guards import login_required, signed_in_account
from circlefed.web.ui.render import redirect


@login_required
async def revoke(request: web.Request) -> web.StreamResponse:
    account = await signed_in_account(request)
    raw_id = (await read_form(request)).raw("app")
    app = await revoke_app(account, int(raw_id), now=request.app[CLOCK].now()) if raw_id.isdigit() else None
    if app is None:  # another member's app, or one already revoked: the same answer
        return redirect(request, "/account", "That app had no access to your account any more.")
    return redirect(request, "/account", f"“{app.name}” can no longer use your account.")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/account/apps/revoke", revoke, name="account_app_revoke")
