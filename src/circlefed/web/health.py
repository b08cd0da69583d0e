"""Web: /healthz (database reachable, waiting queue depths, answering process) and /metrics (Prometheus text).

Anyone may ask /healthz whether the instance is up; the queue depths and /metrics answer only requests from this
machine (loopback, as the address is seen through web.trusted_proxies) or carrying web.metrics_token as a
bearer token: how much an instance sends, and to how many places, is not for every visitor."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

from aiohttp import web

from circlefed.delivery.states import WAITING
from circlefed.domain.directory import not_found
from circlefed.storage.queries import queue_depths
from circlefed.web.keys import METRICS, SETTINGS

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    """Polled often (load balancers, monitors): counts only the waiting rows, read through the state index, so
    its cost does not grow with the history of finished deliveries."""
    try:
        depths = await queue_depths(WAITING)
    except Exception as exc:  # noqa: BLE001 - any database failure means "unhealthy", reported not raised
        log.warning("health check: database unreachable: %s", type(exc).__name__)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    if not is_operator(request):
        return web.json_response({"status": "ok"})
    # The process: with `serve --workers N` an operator sees which web process answered.
    return web.json_response({"status": "ok", "database": "ok", "queues": depths, "process": os.getpid()})


async def metrics(request: web.Request) -> web.Response:
    if not is_operator(request):
        raise not_found()
    app_metrics = request.app[METRICS]
    return web.Response(body=app_metrics.render(), headers={"Content-Type": app_metrics.content_type})


def is_operator(request: web.Request) -> bool:
    """A request from this machine, or one that carries the metrics token."""
    token = request.app[SETTINGS].web.metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz, name="healthz")
    app.router.add_get("/metrics", metrics, name="metrics")
