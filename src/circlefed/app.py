"""App: create_app(settings) builds the aiohttp application: resources, middlewares and routes."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

import circlefed.templates
from circlefed import __version__
from circlefed.clock import Clock
from circlefed.domain.site import Site
from circlefed.federation.services import build_federation
from circlefed.http_client import SafeHttpClient
from circlefed.settings import Settings
from circlefed.storage.db import describe, open_database
from circlefed.web import actors, health, inbox, wellknown
from circlefed.web.keys import CLOCK, DATABASE, FEDERATION, HTTP_CLIENT, METRICS, SETTINGS, SITE
from circlefed.web.metrics import WebMetrics
from circlefed.web.middleware import errors, metrics, request_context, security_headers
from circlefed.web.signed_fetch import authorized_fetch
from circlefed.web.ui import home

log = logging.getLogger(__name__)
TEMPLATES_DIR = Path(circlefed.templates.__file__).parent


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    """The whole server for one instance; every resource is opened and closed through cleanup_ctx."""
    app = web.Application(
        client_max_size=settings.web.max_body_bytes,
        middlewares=[request_context, security_headers, metrics, errors, authorized_fetch],
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock or Clock()
    app[SITE] = Site.for_base_url(
        settings.instance.base_url, settings.instance.domain, settings.instance.name
    )
    app[METRICS] = WebMetrics()
    _setup_templates(app, settings)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_federation)
    _add_routes(app)
    return app


def _setup_templates(app: web.Application, settings: Settings) -> None:
    async def instance_context(request: web.Request) -> dict:
        return {"instance_name": settings.instance.name}

    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(default=True),
        context_processors=[instance_context],
    )


async def _database(app: web.Application) -> AsyncIterator[None]:
    url = app[SETTINGS].database.url
    app[DATABASE] = await open_database(url)
    log.info("database open: %s", describe(url))
    yield
    await app[DATABASE].close_connections()


async def _federation(app: web.Application) -> AsyncIterator[None]:
    """The one outbound HTTP client (SSRF-guarded) and the federation services built on it."""
    settings = app[SETTINGS]
    client = SafeHttpClient(
        user_agent=f"circlefed/{__version__} (+{settings.instance.base_url})",
        allow_http=settings.federation.allow_http,
        private_address_allowlist=settings.federation.private_address_allowlist,
        total_timeout=float(settings.federation.fetch_timeout),
        max_response_bytes=settings.federation.max_fetch_bytes,
        # Built at start so that SSL_CERT_FILE (e.g. a lab CA bundle) set before start is honoured.
        ssl_context=ssl.create_default_context(),
    )
    await client.start()
    app[HTTP_CLIENT] = client
    app[FEDERATION] = build_federation(
        app[SITE], client, app[CLOCK], url_scheme=settings.instance.scheme,
        allow_http=settings.federation.allow_http, on_valid_sender=_no_backoff_yet,
    )
    yield
    await client.close()


async def _no_backoff_yet(domain: str) -> None:
    """Placeholder until the delivery health tracker is wired in."""


def _add_routes(app: web.Application) -> None:
    home.add_routes(app)
    inbox.add_routes(app)
    health.add_routes(app)
    wellknown.add_routes(app)
    actors.add_routes(app)
    app.router.add_static("/static", TEMPLATES_DIR / "static", name="static")
