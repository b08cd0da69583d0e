"""CLI: `circlefed serve`: run the web server (one process, or N sharing the port) until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import ssl
import sys
from urllib.parse import urlsplit

from aiohttp import web

from circlefed.app import create_app
from circlefed.cli.common import database_is_migrated, port_int, positive_int, settings_from_args
from circlefed.cli.web_processes import run_web_processes
from circlefed.errors import ConfigError
from circlefed.log import configure_logging
from circlefed.settings import Settings, served_url
from circlefed.storage import sqlite_roles
from circlefed.storage.db import sqlite_path

log = logging.getLogger(__name__)
PARENT_CHECK_SECONDS = 1.0
_PARENT_WATCH = web.AppKey("circlefed_parent_watch", asyncio.Task)


def register(subparsers) -> None:
    serve = subparsers.add_parser("serve", help="run the web server")
    serve.add_argument("--host", help="listen address (default: web.host)")
    serve.add_argument("--port", type=port_int, help="listen port (default: web.port)")
    serve.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        metavar="N",
        help="web processes sharing the port (default 1; more than 1 needs PostgreSQL)",
    )
    # Internal: a web process started by `serve --workers N` (it shares the port and ends with its parent).
    serve.add_argument("--child-of", type=int, help=argparse.SUPPRESS)
    serve.set_defaults(run=serve_command, sync=True)


def serve_command(args) -> int:
    settings = settings_from_args(args)
    overrides = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    if overrides:
        settings = settings.replace(web=overrides)
    configure_logging(settings.logging.level)
    if args.child_of is None:  # its supervisor checked already
        asyncio.run(database_is_migrated(settings))
        warn_if_base_url_elsewhere(settings)
    if args.workers > 1:
        if sqlite_path(settings.database.url) is not None:
            raise ConfigError(
                f"--workers {args.workers} needs PostgreSQL: SQLite takes one web process (and one queue worker); "
                "serve with --workers 1, or move the instance to PostgreSQL (deploy/README.md, \"Several processes\")"
            )
        return run_web_processes(settings, args.workers, config=args.config)
    if args.child_of is not None:
        run_server(settings, parent=args.child_of)
        return 0
    with sqlite_roles.sole_process(settings.database.url, sqlite_roles.WEB), _queue_role(settings):
        run_server(settings)
    return 0


def warn_if_base_url_elsewhere(settings: Settings) -> None:
    """instance.base_url names this machine but another port than the one served: every link, handle and id
    would point there (behind a proxy, a base URL naming the public host is right and nothing is said)."""
    base = urlsplit(settings.instance.base_url)
    served = urlsplit(served_url(settings.web))
    same_machine = base.hostname in (served.hostname, "localhost", "127.0.0.1", "::1")
    base_port = base.port or (443 if base.scheme == "https" else 80)
    if same_machine and base_port != settings.web.port:
        print(
            f"circlefed: warning: instance.base_url is {settings.instance.base_url} but this server listens on port "
            f"{settings.web.port}: links, handles and ids will name port {base_port}. Leave instance.base_url unset "
            f"to use the address served ({served.geturl()}), or set it to the public URL.",
            file=sys.stderr,
            flush=True,
        )


def _queue_role(settings: Settings) -> contextlib.AbstractContextManager:
    """The in-process worker (web.run_worker) works the queue: on SQLite no other process may."""
    if settings.web.run_worker:
        return sqlite_roles.sole_process(settings.database.url, sqlite_roles.QUEUE)
    return contextlib.nullcontext()


def _ssl_context(settings: Settings) -> ssl.SSLContext | None:
    if not settings.web.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.web.tls_cert, settings.web.tls_key)
    return context


def _end_with(parent: int):
    """A startup hook: this web process stops (as on SIGTERM) once the `serve --workers` process is gone."""

    async def watch(app: web.Application) -> None:
        async def poll() -> None:
            while os.getppid() == parent:
                await asyncio.sleep(PARENT_CHECK_SECONDS)
            log.warning("the supervising `circlefed serve` process %d ended: this web process stops", parent)
            os.kill(os.getpid(), signal.SIGTERM)

        app[_PARENT_WATCH] = asyncio.get_running_loop().create_task(poll())

    return watch


def run_server(settings: Settings, *, parent: int | None = None) -> None:
    """Serve until interrupted; aiohttp runs the cleanup contexts on the way out. A process started by
    `serve --workers N` (parent) binds the port with SO_REUSEPORT beside its siblings."""
    scheme = "https" if settings.web.tls_cert else "http"
    address = f"{scheme}://{settings.web.host}:{settings.web.port}"
    app = create_app(settings)
    if parent is not None:
        app.on_startup.append(_end_with(parent))
    who = f"web process {os.getpid()}" if parent is not None else "circlefed"
    web.run_app(
        app,
        host=settings.web.host,
        port=settings.web.port,
        ssl_context=_ssl_context(settings),
        reuse_port=parent is not None,
        print=lambda _: print(
            f"{who} serving {settings.instance.base_url} on {address} (Ctrl-C to stop)", flush=True
        ),
        access_log=None,
        shutdown_timeout=10,
    )
    print(f"{who} stopped" if parent is not None else "circlefed stopped", flush=True)
