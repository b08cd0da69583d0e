"""App: create_app(settings) builds the aiohttp application: resources, middlewares and routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

import circlefed.templates
from circlefed.clock import Clock
from circlefed.delivery.health import record_inbound_success
from circlefed.delivery.runner import Runner
from circlefed.delivery.wiring import build_http_client, build_runner
from circlefed.domain.actors import instance_actor
from circlefed.domain.reports import CATEGORY_LABELS
from circlefed.domain.safety import safety_from_settings
from circlefed.domain.site import Site
from circlefed.federation.inbound.process import inbox_handler
from circlefed.federation.retention_job import periodic_jobs
from circlefed.federation.wiring import FederationWiring, build_federation
from circlefed.http_client import SafeHttpClient
from circlefed.policy.domains import domain_label
from circlefed.settings import Settings
from circlefed.storage.db import activated, describe, open_database
from circlefed.web import actors, c2s_outbox, health, inbox, objects, wellknown
from circlefed.web.api import setup_api
from circlefed.web.api.cors import api_cors
from circlefed.web.forwarded import forwarded_client, proxy_networks
from circlefed.web.keys import CLOCK, DATABASE, FEDERATION, HTTP_CLIENT, METRICS, PERIODIC_JOBS, RUNNER, SETTINGS, SITE
from circlefed.web.metrics import WebMetrics
from circlefed.web.middleware import errors, metrics, request_context, security_headers
from circlefed.web.page_cache import PAGE_CACHE, PageCache, anonymous_pages
from circlefed.web.signed_fetch import authorized_fetch
from circlefed.web.ui import setup_ui
from circlefed.web.ui.resource_links import resource_links

log = logging.getLogger(__name__)
TEMPLATES_DIR = Path(circlefed.templates.__file__).parent


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    """The whole server for one instance; every resource is opened and closed through cleanup_ctx."""
    proxies = proxy_networks(settings.web.trusted_proxies)
    app = web.Application(
        client_max_size=settings.web.max_body_bytes,
        middlewares=[
            *([forwarded_client(proxies)] if proxies else []),
            request_context, security_headers, metrics, api_cors, errors, authorized_fetch, anonymous_pages,
        ],
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock or Clock()
    app[SITE] = Site.for_base_url(
        settings.instance.base_url,
        settings.instance.domain,
        settings.instance.name,
        safety=safety_from_settings(settings.moderation, app[CLOCK]),  # rate limits are per process
    )
    app[METRICS] = WebMetrics()
    app[PAGE_CACHE] = PageCache(settings.web.page_cache_entries)
    _setup_templates(app, settings)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_federation)
    app.cleanup_ctx.append(_worker)
    _add_routes(app)
    return app


def _setup_templates(app: web.Application, settings: Settings) -> None:
    environment = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(default=True),
    )
    # A global rather than a context processor: processors add a middleware to every request, HTML or not.
    environment.globals["instance_name"] = settings.instance.name
    environment.globals["password_links_by_mail"] = settings.mail.configured  # /login and /reset offer /reset
    environment.filters["resource_links"] = resource_links
    environment.filters["domain_label"] = domain_label
    environment.globals["report_categories"] = list(CATEGORY_LABELS.items())  # (value, label) for the forms


async def _database(app: web.Application) -> AsyncIterator[None]:
    url = app[SETTINGS].database.url
    app[DATABASE] = await open_database(url)
    log.info("database open: %s", describe(url))
    yield
    await app[DATABASE].close_connections()


async def _federation(app: web.Application) -> AsyncIterator[None]:
    """The one outbound HTTP client (SSRF-guarded) and the federation services built on it."""
    settings = app[SETTINGS]
    client = build_http_client(settings)  # the same as `circlefed worker`'s: its deliveries run on it too
    await client.start()
    app[HTTP_CLIENT] = client
    with activated(app[DATABASE]):
        await instance_actor(app[SITE].uris, app[SITE].domain, app[SITE].name)  # keys exist before any fetch
    app[FEDERATION] = federation_for(settings, app[SITE], client, app[CLOCK])
    yield
    await client.close()


def federation_for(settings: Settings, site: Site, client: SafeHttpClient, clock: Clock) -> FederationWiring:
    """The federation services of this instance (the web process and `circlefed worker` build the same)."""
    return build_federation(
        site,
        client,
        clock,
        url_scheme=settings.instance.scheme,
        allow_http=settings.federation.allow_http,
        on_valid_sender=record_inbound_success,
        new_keys_per_minute=settings.federation.new_keys_per_minute,
    )


def register_jobs(runner: Runner, federation: FederationWiring) -> None:
    """The job handlers of the queue runner, for the in-process worker and `circlefed worker` alike."""
    runner.register("inbox", inbox_handler(federation))


async def _worker(app: web.Application) -> AsyncIterator[None]:
    """The queue worker inside the web process (web.run_worker); on shutdown it finishes or releases its work."""
    settings = app[SETTINGS]
    if not settings.web.run_worker:
        yield
        return
    runner = build_runner(settings, client=app[HTTP_CLIENT], clock=app[CLOCK], registry=app[METRICS].registry)
    register_jobs(runner, app[FEDERATION])
    app[RUNNER] = runner
    jobs = app[PERIODIC_JOBS] = periodic_jobs(
        app[SITE], app[CLOCK], inbox_retention=settings.delivery.inbox_retention
    )
    with activated(app[DATABASE]):
        await runner.start()
        for job in jobs:
            job.start()
    yield
    for job in jobs:
        await job.stop()
    await runner.stop()


async def _favicon(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/static/favicon.svg")


def _add_routes(app: web.Application) -> None:
    setup_ui(app)  # sessions, CSRF and page-context middlewares, then the UI routes
    setup_api(app)  # OAuth and the client APIs (no session, no CSRF: a token in the request authenticates)
    inbox.add_routes(app)
    health.add_routes(app)
    wellknown.add_routes(app)
    actors.add_routes(app)
    c2s_outbox.add_routes(app)  # ActivityPub client to server: members' outboxes and inboxes
    objects.add_routes(app)
    app.router.add_static("/static", TEMPLATES_DIR / "static", name="static")
    app.router.add_get("/favicon.ico", _favicon)  # asked for by browsers and tools whatever the page links
