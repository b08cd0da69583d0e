"""CLI: `circlefed serve`: run the web server until Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging
import ssl

from aiohttp import web

from circlefed.app import create_app
from circlefed.cli.common import settings_from_args
from circlefed.log import configure_logging
from circlefed.settings import Settings

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    serve = subparsers.add_parser("serve", help="run the web server")
    serve.add_argument("--host", help="listen address (default: web.host)")
    serve.add_argument("--port", type=int, help="listen port (default: web.port)")
    serve.set_defaults(run=serve_command, sync=True)


def serve_command(args) -> int:
    settings = settings_from_args(args)
    overrides = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    if overrides:
        settings = settings.replace(web=overrides)
    configure_logging(settings.logging.level)
    run_server(settings)
    return 0


def _ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if not settings.web.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.web.tls_cert, settings.web.tls_key)
    return context


def run_server(settings: Settings) -> None:
    """Serve until interrupted; aiohttp runs the cleanup contexts on the way out."""
    scheme = "https" if settings.web.tls_cert else "http"
    address = f"{scheme}://{settings.web.host}:{settings.web.port}"
    web.run_app(
        create_app(settings),
        host=settings.web.host,
        port=settings.web.port,
        ssl_context=_ssl_context(settings),
        print=lambda _: print(
            f"circlefed serving {settings.instance.base_url} on {address} (Ctrl-C to stop)", flush=True
        ),
        access_log=None,
        shutdown_timeout=10,
    )
    print("circlefed stopped", flush=True)
