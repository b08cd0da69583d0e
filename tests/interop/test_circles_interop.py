"""Circles against the independent Fedify peer: it joins a circle by handle, posts into it, and receives and
verifies the circle's Announces of a local member's thread (refetching it from its origin); its own post is not
announced back to it (it has it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web

from circlefed.domain import threads
from circlefed.federation.actions import perform
from circlefed.storage.db import activated
from circlefed.storage.models import Membership, MembershipState, Thread
from circlefed.web.keys import DATABASE, SITE
from tests.interop.instance import CIRCLE, circlefed_on_loopback, until

pytestmark = [pytest.mark.interop, pytest.mark.storage]

@pytest.fixture
async def circlefed(interop_env, make_database_url, monkeypatch) -> AsyncIterator[web.Application]:
    monkeypatch.setenv("SSL_CERT_FILE", str(interop_env.bundle))
    async with circlefed_on_loopback(interop_env, await make_database_url(), worker=False) as app:
        yield app


def announces_by_circle(log: dict) -> list[dict]:
    return [entry for entry in log["received"] if entry["type"] == "Announce" and entry["actor"] == CIRCLE]


async def test_fedify_joins_posts_and_verifies_the_circles_announces(circlefed, fedify_peer):
    # SPEC: fep-1b12 following and announce, with an implementation nobody on this project wrote
    # The peer's log outlives one test (the other store's run of this one wrote to it too): only what follows.
    earlier = len(announces_by_circle(await asyncio.to_thread(fedify_peer.admin_log)))
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

    def two_announces():
        entries = announces_by_circle(fedify_peer.admin_log())[earlier:]
        return entries if len(entries) >= 2 else None

    # The Announces of the peer's own post would have left first (one queue per thread, in order of creation).
    entries = await until(circlefed, lambda: asyncio.to_thread(two_announces), "the circle's Announces")
    announced = [entry["json"]["object"] for entry in entries]
    ids = [obj if isinstance(obj, str) else obj.get("id") for obj in announced]
    inner_ids = [obj.get("object", {}).get("id") if isinstance(obj, dict) else None for obj in announced]
    assert ids[1] == started.thread.uri and inner_ids[0] == started.thread.uri, "Announce(Create(Page)), Announce(Page)"
    assert sent["sent"]["id"] not in ids and note_id not in ids + inner_ids, "its own post is not announced back to it"
    log = fedify_peer.admin_log()
    assert all(r["status"] == 202 for r in log["inbox_requests"] if r["path"] == "/inbox")
    assert "could not dereference announced object" not in fedify_peer.log_tail()
