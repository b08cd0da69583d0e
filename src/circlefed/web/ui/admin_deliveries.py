"""Web UI: /admin/deliveries: queue depths, failing instances and failed deliveries, with retry buttons."""

from __future__ import annotations

from aiohttp import web
from tortoise.expressions import Q
from tortoise.functions import Count

from circlefed.delivery import admin
from circlefed.errors import BadRequest
from circlefed.storage.models import Delivery, Instance, QueueState
from circlefed.web.keys import CLOCK
from circlefed.web.ui.forms import read_form
from circlefed.web.ui.guards import admin_required
from circlefed.web.ui.paging import cursor_param, keyset_page, page_url
from circlefed.web.ui.render import redirect, render

PAGE = "/admin/deliveries"
FAILING_DOMAINS_SHOWN = 50


async def _queue_depths() -> list[tuple[str, int]]:
    rows = await Delivery.all().group_by("state").annotate(count=Count("id")).values("state", "count")
    counts = {QueueState(row["state"]).value: row["count"] for row in rows}
    return [(state.value, counts.get(state.value, 0)) for state in QueueState]


@admin_required
async def deliveries_page(request: web.Request) -> web.StreamResponse:
    failing = (
        await Instance.filter(Q(failure_count__gt=0) | Q(backoff_until__isnull=False), is_local=False)
        .order_by("-failure_count", "domain")
        .limit(FAILING_DOMAINS_SHOWN)
    )
    failed = Delivery.filter(state=QueueState.FAILED).prefetch_related("activity")
    page = await keyset_page(failed, "id", cursor_param(request))
    context = {
        "depths": await _queue_depths(),
        "failing": failing,
        "now": request.app[CLOCK].now(),
        "failed": page.items,
        "next_url": page_url(request, page.next_cursor),
    }
    return await render(request, "ui/admin/deliveries.html", context)


@admin_required
async def retry_one(request: web.Request) -> web.StreamResponse:
    try:
        delivery = await admin.retry_delivery(int(request.match_info["id"]), now=request.app[CLOCK].now())
    except BadRequest as exc:
        return redirect(request, PAGE, exc.message, kind="error")
    return redirect(request, PAGE, f"Delivery {delivery.id} to {delivery.domain} will be tried again now.")


@admin_required
async def retry_domain(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    domain = form.text("domain", label="Domain", required=True, max_length=255)
    if not form.ok:
        raise BadRequest(form.errors["domain"])
    count = await admin.retry_domain(domain, now=request.app[CLOCK].now())
    message = f"{count} deliveries to {domain.lower()} will be tried again now; its wait is reset."
    return redirect(request, PAGE, message)


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, deliveries_page, name="admin_deliveries")
    app.router.add_post(PAGE + r"/{id:\d+}/retry", retry_one)
    app.router.add_post(PAGE + "/retry-domain", retry_domain)
