"""Web UI: the admin overview (/admin) and the routes of every admin page (all admin_required)."""

from __future__ import annotations

from aiohttp import web

from circlefed.delivery.health import domains_backing_off
from circlefed.domain.reports import reports_for_admins
from circlefed.storage.models import Account, Circle, Delivery, QueueState, Report, ReportState
from circlefed.web.keys import CLOCK
from circlefed.web.ui import (
    admin_blocklist,
    admin_deliveries,
    admin_federation,
    admin_invites,
    admin_log,
    admin_rules,
    admin_settings,
    admin_trusted,
    admin_users,
)
from circlefed.web.ui.guards import admin_required
from circlefed.web.ui.render import render, request_policy


@admin_required
async def overview(request: web.Request) -> web.StreamResponse:
    now = request.app[CLOCK].now()
    counts = {
        "accounts": await Account.filter(is_disabled=False, is_approved=True).count(),
        "waiting": await Account.filter(is_disabled=False, is_approved=False).count(),
        "open_reports": await Report.filter(state=ReportState.OPEN).count(),
        "failed": await Delivery.filter(state=QueueState.FAILED).count(),
        "retrying": await Delivery.filter(state=QueueState.RETRY_WAIT).count(),
        "backing_off": len(await domains_backing_off(now)),
    }
    missing = not (await request_policy(request)).crisis_resources
    context = {"counts": counts, "crisis_resources_missing": missing, "for_admins": await _for_admins()}
    return await render(request, "ui/admin/overview.html", context)


async def _for_admins() -> list[tuple[Circle, int]]:
    """Circles with open reports about their only facilitator (who does not see them): the admins handle those."""
    by_circle: dict[int, tuple[Circle, int]] = {}
    for report in await reports_for_admins():
        circle, number = by_circle.get(report.circle_id, (report.circle, 0))
        by_circle[report.circle_id] = (circle, number + 1)
    return sorted(by_circle.values(), key=lambda pair: pair[0].name)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/admin", overview, name="admin")
    for module in (
        admin_settings,
        admin_federation,
        admin_blocklist,
        admin_trusted,
        admin_users,
        admin_invites,
        admin_deliveries,
        admin_log,
        admin_rules,
    ):
        module.add_routes(app)
