"""circlefed against an independent implementation: a Fedify peer on loopback with TLS and real hostnames."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web

from circlefed.protocol.httpsig_sign import sign_cavage
from circlefed.storage.db import activated
from circlefed.storage.models import Actor, InboxItem
from circlefed.web.keys import DATABASE, FEDERATION, METRICS
from tests.interop.instance import BASE, CIRCLE, circlefed_on_loopback

pytestmark = [pytest.mark.interop, pytest.mark.storage]

@pytest.fixture
async def circlefed(interop_env, make_database_url, monkeypatch) -> AsyncIterator[web.Application]:
    """circlefed serving https://circlefed.test on 127.0.0.2:443, trusting the test CA for its own requests."""
    monkeypatch.setenv("SSL_CERT_FILE", str(interop_env.bundle))
    async with circlefed_on_loopback(interop_env, await make_database_url(), worker=True) as app:
        yield app


async def inbox_items(app: web.Application) -> list[InboxItem]:
    with activated(app[DATABASE]):
        return await InboxItem.all()


async def wait_for_follow(app: web.Application, peer_actor: str, timeout: float = 20) -> InboxItem:
    for _ in range(int(timeout / 0.1)):
        follows = [i for i in await inbox_items(app) if i.payload.get("type") == "Follow"
                   and i.actor_uri == peer_actor]
        if follows:
            return follows[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no Follow from {peer_actor} arrived")


def inbox_count(app: web.Application, scheme: str) -> float:
    return app[METRICS].inbox.labels(scheme, "stored")._value.get()


async def test_fedify_resolves_a_circle_by_its_acct_handle(circlefed, interop_env):
    # SPEC: RFC 7033; FEP-1b12 group actor
    result = await asyncio.to_thread(interop_env.fedify_tool, "lookup", "acct:grief@circlefed.test")
    assert result.returncode == 0, result.stderr + result.stdout
    assert CIRCLE in result.stdout and "Group" in result.stdout


async def test_fedify_rfc9421_signed_follow_is_accepted(circlefed, fedify_peer):
    # SPEC: RFC 9421 inbound (Fedify knocks with RFC 9421 first and would fall back on a 4xx)
    await asyncio.to_thread(fedify_peer.admin_post, "follow", target="acct:grief@circlefed.test")
    follow = await wait_for_follow(circlefed, fedify_peer.actor_url)
    assert follow.payload["object"] == CIRCLE
    assert inbox_count(circlefed, "rfc9421") >= 1
    assert circlefed[METRICS].inbox.labels("rfc9421", "refused_401")._value.get() == 0


@pytest.fixture(scope="module")
def cavage_peer(start_fedify_peer):
    """A second peer that knocks with draft-cavage first (started once for the module)."""
    return start_fedify_peer("peer2.test", first_knock="draft-cavage-http-signatures-12")


async def test_fedify_cavage_signed_follow_is_accepted(circlefed, cavage_peer):
    # SPEC: draft-cavage-http-signatures-12 inbound
    await asyncio.to_thread(cavage_peer.admin_post, "follow", target="acct:grief@circlefed.test")
    await wait_for_follow(circlefed, cavage_peer.actor_url)
    assert inbox_count(circlefed, "cavage") >= 1


async def test_circlefed_signed_get_and_post_are_verified_by_fedify(circlefed, fedify_peer):
    federation = circlefed[FEDERATION]
    with activated(circlefed[DATABASE]):
        bob = await federation.remote_actors.by_uri(fedify_peer.actor_url)
        fran = await Actor.get(local_name="fran")
    assert bob.public_key_pem and bob.inbox_uri == f"{fedify_peer.actor_url}/inbox"
    note_id = f"{BASE}/p/interop-note-1"
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams", "id": f"{BASE}/a/interop-1", "type": "Create",
        "actor": fran.uri, "to": [bob.uri],
        "object": {"id": note_id, "type": "Note", "attributedTo": fran.uri, "to": [bob.uri],
                   "content": "<p>hello from circlefed</p>", "published": "2026-01-01T00:00:00Z"},
    }
    status = await _signed_post(federation, fran, bob.inbox_uri, json.dumps(activity).encode())
    assert status == 202
    log = await asyncio.to_thread(fedify_peer.wait_for_log,
                                  lambda entries: any(e.get("id") == activity["id"] for e in entries["received"]))
    assert any(r["scheme"] == "draft-cavage" and r["status"] == 202 for r in log["inbox_requests"])


async def test_a_tampered_request_is_refused_with_401_by_fedify(circlefed, fedify_peer):
    federation = circlefed[FEDERATION]
    with activated(circlefed[DATABASE]):
        bob = await federation.remote_actors.by_uri(fedify_peer.actor_url)
        fran = await Actor.get(local_name="fran")
    like_id = f"{BASE}/a/tamper-{uuid.uuid4().hex[:8]}"  # the peer's log outlives each backend's run
    body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "id": like_id,
                       "type": "Like", "actor": fran.uri, "object": bob.uri}).encode()
    before = len((await asyncio.to_thread(fedify_peer.admin_log))["inbox_requests"])
    status = await _signed_post(federation, fran, bob.inbox_uri, body, tamper=True)
    assert status == 401
    log = await asyncio.to_thread(fedify_peer.admin_log)
    # refused by Fedify's signature check (a signed request answered 401), not taken for an unsigned one
    assert [(r["scheme"], r["status"]) for r in log["inbox_requests"][before:]] == [("draft-cavage", 401)]
    assert all(entry.get("id") != like_id for entry in log["received"])
    # the control: the same request, sent as signed, is accepted
    assert await _signed_post(federation, fran, bob.inbox_uri, body) == 202
    await asyncio.to_thread(fedify_peer.wait_for_log,
                            lambda entries: any(e.get("id") == like_id for e in entries["received"]))


async def _signed_post(federation, signer: Actor, url: str, body: bytes, *, tamper: bool = False) -> int:
    headers = sign_cavage(method="POST", url=url, headers={"Content-Type": "application/activity+json"},
                          body=body, key_id=signer.public_key_id, private_key_pem=signer.private_key_pem,
                          now=datetime.now(UTC))
    sent = body.replace(b"Like", b"Dislike") if tamper else body
    response = await federation.client.post(url, sent, headers=headers)
    return response.status
