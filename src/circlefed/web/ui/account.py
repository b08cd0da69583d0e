"""Web UI: a member's own account: overview (per-circle names, e-mail, signed-in devices, apps), the password."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain.account_sessions import sessions_of
from circlefed.domain.account_settings import MAX_EMAIL, MAX_PSEUDONYM, change_password, set_email
from circlefed.domain.oauth_scopes import describe
from circlefed.domain.oauth_tokens import apps_of
from circlefed.domain.pseudonyms import default_display_name, display_names
from circlefed.errors import BadRequest, Conflict, Forbidden
from circlefed.services.membership import name_in_circle
from circlefed.storage.models import Account, Actor, Membership, MembershipState
from circlefed.web.keys import CLOCK, SETTINGS, SITE
from circlefed.web.ui.auth import MAX_PASSWORD_LENGTH, read_new_password
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.guards import login_required, signed_in_account
from circlefed.web.ui.render import redirect, render
from circlefed.web.ui.session import current_session, log_in


async def _memberships(account: Account) -> list[Membership]:
    rows = Membership.filter(actor_id=account.actor_id).exclude(state=MembershipState.REJECTED)  # type: ignore[attr-defined]
    return await rows.prefetch_related("circle").order_by("circle__name")


async def overview_context(
    request: web.Request, account: Account, *, errors: dict | None = None, values: dict | None = None
) -> dict:
    """What the /account page shows; errors and values: those of a name form shown again."""
    this_session = await current_session(request)
    memberships = await _memberships(account)
    return {
        "memberships": memberships,
        "default_names": await _default_names(account, memberships),
        "errors": errors or {},
        "values": values or {},
        "max_pseudonym": MAX_PSEUDONYM,
        "max_email": MAX_EMAIL,
        "email": account.email or "",
        "mail_configured": request.app[SETTINGS].mail.configured,
        "sessions": await sessions_of(account, now=request.app[CLOCK].now()),
        "this_session_id": None if this_session is None else this_session.id,
        "apps": [(item, describe(item.scopes)) for item in await apps_of(account)],
    }


@login_required
async def overview(request: web.Request) -> web.StreamResponse:
    account = await signed_in_account(request)
    return await render(request, "ui/account/overview.html", await overview_context(request, account))


async def _default_names(account: Account, memberships: list[Membership]) -> dict[int, str]:
    """membership id -> how the member is shown in that circle without a name of their own."""
    actor = await Actor.get(id=account.actor_id)  # type: ignore[attr-defined]
    return {m.id: await default_display_name(m.circle, actor) for m in memberships}


@login_required
async def pseudonym(request: web.Request) -> web.StreamResponse:
    """One circle's name form: its field is named after the membership (`pseudonym-<id>`); the second button
    (`use_generated`) goes back to the name shown without one of their own."""
    account = await signed_in_account(request)
    form = await read_form(request)
    raw_id = form.raw("membership")
    field = f"pseudonym-{raw_id}"
    back_to_default = form.raw("use_generated") == "1"
    value = "" if back_to_default else form.text(field, label="Name in this circle", max_length=200)
    now = request.app[CLOCK].now()
    membership_id = int(raw_id) if raw_id.isdigit() else 0
    try:
        membership = (await name_in_circle(request.app[SITE], account, membership_id, value, now=now)).membership
    except (BadRequest, Conflict) as exc:
        context = await overview_context(request, account, errors={field: exc.message}, values={field: value})
        return await render(request, "ui/account/overview.html", context, status=exc.status)
    actor = await Actor.get(id=account.actor_id)  # type: ignore[attr-defined]
    shown = (await display_names(membership.circle, [actor]))[actor.id]
    return redirect(request, "/account", f"In {membership.circle.name} you are now shown as “{shown}”.")


@login_required
async def email_submit(request: web.Request) -> web.StreamResponse:
    """The private e-mail address where a forgotten password's link is sent (empty: none)."""
    account = await signed_in_account(request)
    form = await read_form(request)
    typed = form.text("email", label="E-mail address", max_length=MAX_EMAIL)
    try:
        if not form.ok:
            raise BadRequest(form.errors["email"])
        account = await set_email(account, typed)
    except BadRequest as exc:
        context = await overview_context(request, account, errors={"email": exc.message}, values={"email": typed})
        return await render(request, "ui/account/overview.html", context, status=400)
    if account.email:
        return redirect(request, "/account", "Your e-mail address is saved.")
    return redirect(request, "/account", "Your e-mail address is removed.")


@login_required
async def password_page(request: web.Request) -> web.StreamResponse:
    return await render(request, "ui/account/password.html", {"form": Form({})})


@login_required
async def password_submit(request: web.Request) -> web.StreamResponse:
    account = await signed_in_account(request)
    form = await read_form(request)
    current = form.text(
        "current_password", label="Current password", required=True, max_length=MAX_PASSWORD_LENGTH, strip=False
    )
    new = read_new_password(form, "new_password", "New password")
    if not form.ok:
        return await render(request, "ui/account/password.html", {"form": form}, status=400)
    try:
        account = await change_password(account, current, new)
    except Forbidden as exc:
        form.error("current_password", exc.message)
        return await render(request, "ui/account/password.html", {"form": form}, status=403)
    await log_in(request, account)  # every session ended with the change: this device gets a new one
    return redirect(request, "/account", "Your password has been changed. Other devices have been signed out.")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/account", overview, name="account")
    app.router.add_post("/account/pseudonym", pseudonym, name="account_pseudonym")
    app.router.add_post("/account/email", email_submit, name="account_email")
    app.router.add_get("/account/password", password_page, name="account_password")
    app.router.add_post("/account/password", password_submit)
