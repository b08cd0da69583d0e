"""Web: /healthz (database reachable, waiting queue depths) and /metrics (Prometheus text)."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.delivery.states import WAITING
from circlefed.storage.queries import queue_depths
from circlefed.web.keys import METRICS

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    """Polled often (load balancers, monitors): counts only the waiting rows, read through the state index, so
    its cost does not grow with the history of finished deliveries."""
    try:
        depths = await queue_depths(WAITING)
    except Exception as exc:  # noqa: BLE001 - any database failure means "unhealthy", reported not raised
        log.warning("health check: database unreachable: %s", type(exc).__name__)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "queues": depths})


async def metrics(request: web.Request) -> web.Response:
    app_metrics = request.app[METRICS]
    return web.Response(body=app_metrics.render(), headers={"Content-Type": app_metrics.content_type})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz, name="healthz")
    app.router.add_get("/metrics", metrics, name="metrics")
