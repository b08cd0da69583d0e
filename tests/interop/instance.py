"""Interop helpers: circlefed on https://circlefed.test (127.0.0.2:443) with the circle `grief`, and polling it."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator

from aiohttp import web

from circlefed.app import create_app
from circlefed.domain.circles import create_circle
from circlefed.storage.db import activated
from circlefed.web.keys import DATABASE, RUNNER, SITE
from tests.conftest import settings_for
from tests.factories import local_person

BASE = "https://circlefed.test"
CIRCLE = f"{BASE}/c/grief"
FRAN = f"{BASE}/u/fran"
POLL_SECONDS = 0.2  # the peer is another process: its side can only be polled


@contextlib.asynccontextmanager
async def circlefed_on_loopback(interop_env, database_url: str, *, worker: bool) -> AsyncIterator[web.Application]:
    """circlefed serving BASE with TLS from the test CA, fran facilitating `grief`; worker=False: its queues move
    only through until() (SSL_CERT_FILE must name the test CA bundle: its own requests trust it)."""
    settings = settings_for(database_url, base_url=BASE, federation={"private_address_allowlist": ["127.0.0.0/8"]})
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.2", 443, ssl_context=interop_env.server_ssl_context("circlefed.test"))
    await site.start()
    if not worker:
        await app[RUNNER].stop()
    with activated(app[DATABASE]):
        fran = await local_person(app[SITE], "fran")
        await create_circle(app[SITE], "grief", "Grief support", facilitator=fran)
    try:
        yield app
    finally:
        await runner.cleanup()


async def until(app: web.Application, check, what: str, timeout: float = 30.0):
    """Work circlefed's queues and poll `check` (sync or async) until it answers something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with activated(app[DATABASE]):
            await app[RUNNER].run_once()
            result = check()
            if inspect.isawaitable(result):
                result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL_SECONDS)
