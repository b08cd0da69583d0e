"""Private messages against the independent Fedify peer: a facilitator writes to the peer's bob, who receives and
verifies a direct Note addressed to him alone at his own inbox; his answer addressed to the facilitator comes back
into the conversation when it is private (the peer's `direct=1`, added by .ci/interop-setup), and is refused when it
is public (issue 15, outreach).

SPEC: FEDERATION.md direct messages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web

from circlefed.domain.messages import start_conversation
from circlefed.federation.actions import perform
from circlefed.storage.db import activated
from circlefed.storage.models import Actor, Circle, InboxItem, Membership, MembershipState, Message, QueueState
from circlefed.web.keys import DATABASE, SITE
from tests.interop.instance import FRAN, circlefed_on_loopback, until

pytestmark = [pytest.mark.interop, pytest.mark.storage]

FINISHED = (QueueState.DELIVERED, QueueState.FAILED, QueueState.REJECTED)


def as_list(value) -> list:
    """JSON-LD compaction writes a one-item list as the item itself."""
    return value if isinstance(value, list) else [] if value is None else [value]


@pytest.fixture
async def circlefed(interop_env, make_database_url, monkeypatch) -> AsyncIterator[web.Application]:
    monkeypatch.setenv("SSL_CERT_FILE", str(interop_env.bundle))
    async with circlefed_on_loopback(interop_env, await make_database_url(), worker=False) as app:
        yield app


async def test_a_facilitator_writes_to_the_peer_and_its_private_answer_comes_back(circlefed, fedify_peer):
    await asyncio.to_thread(fedify_peer.admin_post, "follow", target="acct:grief@circlefed.test")

    async def joined():
        return await Membership.exists(actor__uri=fedify_peer.actor_url, state=MembershipState.APPROVED)

    await until(circlefed, joined, "the peer's membership")
    with activated(circlefed[DATABASE]):
        now = datetime.now(UTC)
        fran, bob = await Actor.get(uri=FRAN), await Actor.get(uri=fedify_peer.actor_url)
        change = start_conversation(circlefed[SITE], await Circle.get(slug="grief"), fran, bob,
                                    source="Are you *safe* tonight?", now=now)
        sent = await perform(circlefed[SITE], change, now=now)

    def direct_create():
        # The peer's log outlives each run (the same test runs once per backend): find this message's Create.
        log = fedify_peer.admin_log()
        return next((e for e in log["received"] if e["type"] == "Create" and e["actor"] == FRAN
                     and (e.get("json") or {}).get("object", {}).get("id") == sent.message.uri), None)

    entry = await until(circlefed, lambda: asyncio.to_thread(direct_create), "the peer's verified copy")
    note = entry["json"]["object"]
    assert note["id"] == sent.message.uri and "<em>safe</em>" in note["content"]
    assert as_list(note.get("to")) == [fedify_peer.actor_url] and not as_list(note.get("cc"))
    assert "Public" not in json.dumps(entry["json"]) and "followers" not in json.dumps(entry["json"])
    assert [tag["href"] for tag in as_list(note.get("tag"))] == [fedify_peer.actor_url]
    requests = (await asyncio.to_thread(fedify_peer.admin_log))["inbox_requests"]
    assert any(r["path"] == "/users/bob/inbox" and r["status"] == 202 for r in requests), "his own inbox"

    async def answered(content: str, **addressing: str) -> tuple[InboxItem, list[str]]:
        answer = await asyncio.to_thread(fedify_peer.admin_post, "note", target=FRAN, content=content, **addressing)
        activity_id = answer["sent"]["id"]

        async def processed():
            item = await InboxItem.get_or_none(activity_uri=activity_id)
            return item if item is not None and (item.state in FINISHED or item.finished_at is not None) else None

        item = await until(circlefed, processed, "the peer's answer to be processed")
        with activated(circlefed[DATABASE]):
            stored = await Message.filter(conversation_id=sent.conversation.id, author_id=bob.id).values_list(
                "content_html", flat=True
            )
        return item, list(stored)

    # A public post that mentions the facilitator never becomes a private message.
    item, stored = await answered("<p>zqpublic Everyone, I am OK.</p>")
    assert item.state is QueueState.FAILED and "addressed to Public" in (item.last_error or "")
    assert stored == []
    # The peer's direct answer (to the facilitator only, as Mastodon sends a direct message) joins the conversation.
    item, stored = await answered("<p>zqanswer I am OK.</p>", direct="1")
    assert item.state is QueueState.DELIVERED, item.last_error
    assert stored == ["<p>zqanswer I am OK.</p>"]
