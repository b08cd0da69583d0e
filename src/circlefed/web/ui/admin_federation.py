"""Web UI: /admin/federation: the federation mode and per-domain rules, enforced on the queue like the CLI does."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from circlefed.domain import confidentiality, federation_policy
from circlefed.domain.policy_guards import policy_conflicts
from circlefed.errors import BadRequest, NotFound
from circlefed.federation.domain_gate import CancelRefused
from circlefed.policy.domains import FEDERATION_MODES
from circlefed.storage.models import DomainAction, DomainRule
from circlefed.web.keys import CLOCK, FEDERATION
from circlefed.web.ui.flash import flash
from circlefed.web.ui.forms import Form, as_sentence, read_form
from circlefed.web.ui.guards import admin_required
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url
from circlefed.web.ui.render import redirect, render

log = logging.getLogger(__name__)
ACTIONS = tuple(action.value for action in DomainAction)
PAGE = "/admin/federation"


class CancelCounter(CancelRefused):
    """The enforcement step of `circlefed instances`, with the admin pages' sentence about what it cancelled."""

    def report(self) -> str:
        return f" {self.cancelled} queued deliveries were cancelled." if self.cancelled else ""


def policy_changed(request: web.Request) -> None:
    """This process applies the new rules at once (other processes within the gate cache's few seconds)."""
    request.app[FEDERATION].domain_gate.invalidate()


async def federation_page(request: web.Request, *, status: int = 200, **extra: Any) -> web.Response:
    rules = await keyset_page(DomainRule.all(), "updated_at", cursor_param(request))
    pairs = await confidentiality.list_trusted_with_software()
    trusted = [{"row": row, "software": software} for row, software in pairs]
    context = {
        "mode": await federation_policy.get_mode(),
        "modes": FEDERATION_MODES,
        "rules": rules.items,
        "next_url": page_url(request, rules.next_cursor),
        "trusted": trusted,
        "rule_form": Form({}),
        "trust_form": Form({}),
        "import_errors": [],
        "conflicts": await policy_conflicts(),
        **extra,
    }
    return await render(request, "ui/admin/federation.html", context, status=status)


async def flash_conflicts(request: web.Request) -> None:
    """After a change: each trusted partner the federation policy now keeps out, as an error to act on."""
    for conflict in await policy_conflicts():
        flash(request, conflict + ".", kind="error")


@admin_required
async def show(request: web.Request) -> web.StreamResponse:
    return await federation_page(request)


@admin_required
async def set_mode(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    mode = form.choice("mode", tuple(FEDERATION_MODES), label="Federation mode")
    if not form.ok:
        return await federation_page(request, status=400, mode_error=form.errors["mode"])
    enforce = CancelCounter()
    await federation_policy.set_mode(mode, now=request.app[CLOCK].now(), enforce=enforce)
    policy_changed(request)
    log.info("federation mode set to %s from the admin pages", mode)
    await flash_conflicts(request)
    return redirect(request, PAGE, f"Federation mode is now {mode}.{enforce.report()}")


@admin_required
async def add_rule(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    domain = form.text("domain", label="Domain", required=True, max_length=255)
    action = form.choice("action", ACTIONS, label="What to do")
    reason = form.text("reason", label="Reason", max_length=federation_policy.MAX_REASON_CHARS)
    enforce = CancelCounter()
    if form.ok:
        try:
            change = await federation_policy.set_rule(
                domain, action, reason=reason, now=request.app[CLOCK].now(), enforce=enforce
            )
        except BadRequest as exc:
            form.error("domain", as_sentence(exc.message))
    if not form.ok:
        return await federation_page(request, status=400, rule_form=form)
    policy_changed(request)
    await flash_conflicts(request)
    replaced = change.replaced_text()
    done = f"{change.rule.domain}: {action.replace('_', ' ')}{'; ' + replaced if replaced else ''}."
    return redirect(request, PAGE, done + enforce.report())


@admin_required
async def clear_rule(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    domain = form.text("domain", required=True, max_length=255)
    enforce = CancelCounter()
    try:
        rule = await federation_policy.clear_rule(domain, now=request.app[CLOCK].now(), enforce=enforce)
    except (BadRequest, NotFound) as exc:
        return redirect(request, PAGE, as_sentence(exc.message), kind="error")
    policy_changed(request)
    return redirect(request, PAGE, f"Removed the {rule.action.value.replace('_', ' ')} rule for {rule.domain}.")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, show, name="admin_federation")
    app.router.add_post(f"{PAGE}/mode", set_mode)
    app.router.add_post(f"{PAGE}/rules", add_rule)
    app.router.add_post(f"{PAGE}/rules/clear", clear_rule)
