"""Web: the typed application keys every handler reads its resources from."""

from __future__ import annotations

from aiohttp import web
from tortoise.context import TortoiseContext

from circlefed.clock import Clock
from circlefed.delivery.runner import Runner
from circlefed.domain.site import Site
from circlefed.federation.retention_job import PeriodicJob
from circlefed.federation.wiring import FederationWiring
from circlefed.http_client import SafeHttpClient
from circlefed.settings import Settings
from circlefed.web.metrics import WebMetrics

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
SITE = web.AppKey("site", Site)
DATABASE = web.AppKey("database", TortoiseContext)
METRICS = web.AppKey("metrics", WebMetrics)
RUNNER = web.AppKey("runner", Runner)
PERIODIC_JOBS = web.AppKey("periodic_jobs", list[PeriodicJob])
HTTP_CLIENT = web.AppKey("http_client", SafeHttpClient)
FEDERATION = web.AppKey("federation", FederationWiring)
REQUEST_ID = web.RequestKey("request_id", str)
