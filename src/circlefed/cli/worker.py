"""CLI: `circlefed worker`: run the delivery and inbox worker in its own process until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from prometheus_client import CollectorRegistry, start_http_server

from circlefed.app import federation_for, register_jobs
from circlefed.cli.common import database, port_int, positive_int, settings_from_args, site_for
from circlefed.clock import Clock
from circlefed.delivery.wiring import build_http_client, build_runner
from circlefed.domain.actors import instance_actor
from circlefed.federation.retention_job import periodic_jobs
from circlefed.log import configure_logging
from circlefed.settings import Settings
from circlefed.storage import sqlite_roles

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    worker = subparsers.add_parser("worker", help="run the queue worker (deliveries and inbound activities)")
    worker.add_argument(
        "--concurrency", type=positive_int, help="rows worked at the same time (default: delivery.concurrency)"
    )
    worker.add_argument(
        "--metrics-port", type=port_int, help="serve this worker's Prometheus metrics on 127.0.0.1:PORT/metrics"
    )
    worker.set_defaults(run=worker_command)


async def worker_command(args) -> int:
    settings = settings_from_args(args)
    if args.concurrency is not None:
        settings = settings.replace(delivery={"concurrency": args.concurrency})
    configure_logging(settings.logging.level)
    registry = CollectorRegistry() if args.metrics_port else None
    with sqlite_roles.sole_process(settings.database.url, sqlite_roles.QUEUE):
        await _work(settings, registry, args.metrics_port)
    print("circlefed worker stopped", flush=True)
    return 0


async def _work(settings: Settings, registry: CollectorRegistry | None, metrics_port: int | None) -> None:
    async with database(settings):
        client = build_http_client(settings)
        await client.start()
        try:
            clock = Clock()
            site = site_for(settings)
            await instance_actor(site.uris, site.domain, site.name)  # keys exist before any signed fetch
            runner = build_runner(settings, client=client, clock=clock, registry=registry)  # checks the settings
            lower_priority(settings.delivery.worker_nice)
            register_jobs(runner, federation_for(settings, site, client, clock))
            if registry is not None:
                start_http_server(metrics_port, addr="127.0.0.1", registry=registry)
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, runner.request_stop)
            print(f"circlefed worker {runner.worker_id} running (SIGTERM or Ctrl-C to stop)", flush=True)
            jobs = periodic_jobs(site, clock, inbox_retention=settings.delivery.inbox_retention)
            for job in jobs:
                job.start()
            try:
                await runner.run_forever()
            finally:
                for job in jobs:
                    await job.stop()
        finally:
            await client.close()


def lower_priority(increment: int) -> None:
    """Give up `increment` of CPU priority (raising a nice value needs no privilege; it cannot be undone)."""
    if increment > 0:
        niceness = os.nice(increment)
        log.info("worker CPU priority lowered by %d (nice %d): pages on this machine come first", increment, niceness)
