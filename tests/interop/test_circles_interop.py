"""Circles against the independent Fedify peer: it joins a circle by handle, posts into it, and receives and
verifies the circle's Announces of its own post (refetching it from its origin) and of a local member's thread."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web

from circlefed.app import create_app
from circlefed.domain import threads
from circlefed.domain.accounts import create_account
from circlefed.domain.circles import create_circle
from circlefed.federation.actions import perform
from circlefed.storage.db import activated
from circlefed.storage.models import Membership, MembershipState, Thread
from circlefed.web.keys import DATABASE, RUNNER, SITE
from tests.conftest import settings_for

pytestmark = [pytest.mark.interop, pytest.mark.storage]

BASE = "https://circlefed.test"
CIRCLE = f"{BASE}/c/grief"
POLL_SECONDS = 0.2  # the peer is another process: its side can only be polled


@pytest.fixture
async def circlefed(interop_env, make_database_url, monkeypatch) -> AsyncIterator[web.Application]:
    """circlefed on https://circlefed.test (127.0.0.2:443) with `grief`; its worker is driven by run_once()."""
    monkeypatch.setenv("SSL_CERT_FILE", str(interop_env.bundle))
    settings = settings_for(
        await make_database_url(), base_url=BASE, federation={"private_address_allowlist": ["127.0.0.0/8"]}
    )
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.2", 443, ssl_context=interop_env.server_ssl_context("circlefed.test"))
    await site.start()
    await app[RUNNER].stop()
    with activated(app[DATABASE]):
        fran = await create_account(app[SITE], "fran", "a long enough secret")
        await create_circle(app[SITE], "grief", "Grief support", facilitator=await fran.actor)
    yield app
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


def announces_by_circle(log: dict) -> list[dict]:
    return [entry for entry in log["received"] if entry["type"] == "Announce" and entry["actor"] == CIRCLE]


async def test_fedify_joins_posts_and_verifies_the_circles_announces(circlefed, fedify_peer):
    # SPEC: fep-1b12 following and announce, with an implementation nobody on this project wrote
    await asyncio.to_thread(fedify_peer.admin_post, "follow", target="acct:grief@circlefed.test")

    async def joined():
        row = await Membership.get_or_none(actor__uri=fedify_peer.actor_url)
        return row is not None and row.state is MembershipState.APPROVED

    await until(circlefed, joined, "the peer's membership")
    log = await asyncio.to_thread(fedify_peer.wait_for_log, lambda entries: any(
        e["type"] == "Accept" and e["actor"] == CIRCLE for e in entries["received"]))

    sent = await asyncio.to_thread(fedify_peer.admin_post, "note", target=CIRCLE, audience=CIRCLE,
                                   content="<p>Hello circle</p><p>I am new here.</p>")
    note_id = sent["sent"]["object"]["id"]
    thread = await until(circlefed, lambda: Thread.get_or_none(uri=note_id), "the peer's thread")
    assert thread.title == "Hello circle"

    with activated(circlefed[DATABASE]):
        fran = await Membership.filter(role="facilitator").first().prefetch_related("actor", "circle")
        started = await perform(circlefed[SITE], threads.start_thread(
            circlefed[SITE], fran.circle, fran.actor, title="Welcome", source="Be gentle.", now=datetime.now(UTC)),
            now=datetime.now(UTC))

    def four_announces():
        entries = announces_by_circle(fedify_peer.admin_log())
        return entries if len(entries) >= 4 else None

    entries = await until(circlefed, lambda: asyncio.to_thread(four_announces), "the circle's Announces")
    announced = [entry["json"]["object"] for entry in entries]
    ids = [obj if isinstance(obj, str) else obj.get("id") for obj in announced]
    assert sent["sent"]["id"] in ids and note_id in ids, "Announce(Create(Note)) and Announce(Note) of its post"
    inner_ids = [obj.get("object", {}).get("id") if isinstance(obj, dict) else None for obj in announced]
    assert started.thread.uri in ids + inner_ids, "the Announces of a local member's thread"
    log = fedify_peer.admin_log()
    assert all(r["status"] == 202 for r in log["inbox_requests"] if r["path"] == "/inbox")
    assert "could not dereference announced object" not in fedify_peer.log_tail()
