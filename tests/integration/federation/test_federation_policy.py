"""Instance federation policy between real instances on loopback: modes, blocks, and every exit through the gate."""

from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from circlefed.clock import Clock
from circlefed.delivery.fanout import enqueue_deliveries
from circlefed.delivery.outbox import store_activity
from circlefed.delivery.wiring import build_runner
from circlefed.domain import federation_policy
from circlefed.errors import CirclefedError
from circlefed.federation.domain_gate import cancel_refused_deliveries
from circlefed.federation.outbound.exits import Reach, enqueue
from circlefed.federation.remote.handles import resolve_handle
from circlefed.policy.verdicts import Allow, Reject
from circlefed.storage.models import Actor, Delivery, InboxItem, OutboxActivity
from circlefed.web.keys import FEDERATION, HTTP_CLIENT, SETTINGS, SITE
from tests.fakes.remote import FakeRemote, post_signed, signed_get_headers

from .circles import member_url

pytestmark = pytest.mark.storage
AS2 = {"Accept": "application/activity+json"}


@pytest.fixture
async def stranger():
    """A second fake remote server: a domain that no rule lists."""
    server = await FakeRemote().start()
    yield server
    await server.close()


async def set_policy(instance, *, mode: str | None = None, rules: dict[str, str] | None = None) -> None:
    """Change the policy as `circlefed federation mode` / `circlefed instances` do, then apply it at once."""
    now = datetime.now(UTC)
    with instance.db():
        for domain, action in (rules or {}).items():
            await federation_policy.set_rule(domain, action, now=now, enforce=cancel_refused_deliveries)
        if mode is not None:
            await federation_policy.set_mode(mode, now=now, enforce=cancel_refused_deliveries)
    instance.app[FEDERATION].domain_gate.invalidate()


async def stored(instance) -> list[str]:
    with instance.db():
        return [item.actor_uri for item in await InboxItem.all()]


async def status_of(http, url: str, headers: dict[str, str] | None = None) -> int:
    async with http.get(url, headers=headers or AS2) as response:
        return response.status


# --- allowlist mode ---


async def test_allowlist_mode_accepts_deliveries_from_listed_domains_and_refuses_others_unfetched(
    start_instance, remote, stranger, http
):
    # SPEC: issue 7 item 7 (allowlist mode refuses inbound deliveries from non-listed domains)
    instance = await start_instance()
    await set_policy(instance, mode="allowlist", rules={remote.domain: "allow"})
    alice, mallory = remote.add_actor("alice"), stranger.add_actor("mallory")
    status, _ = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert status == 202
    status, body = await post_signed(http, mallory, f"{instance.base_url}/inbox", stranger.activity(mallory))
    assert status == 403 and "not on the allowlist" in body
    assert stranger.requests == [], "nothing is fetched from a domain that is refused"
    assert await stored(instance) == [alice.uri]


async def test_allowlist_mode_refuses_unsigned_fetches_and_signed_ones_from_non_listed_domains(
    start_instance, remote, stranger, http
):
    # SPEC: issue 7 (allowlist: unsigned and non-listed fetches refused too); PROTOCOL.md attack 24
    instance = await start_instance()
    url = await member_url(instance)
    await set_policy(instance, mode="allowlist", rules={remote.domain: "allow"})
    alice, mallory = remote.add_actor("alice"), stranger.add_actor("mallory")
    assert await status_of(http, url) == 401
    assert await status_of(http, url, signed_get_headers(mallory, url)) == 403
    assert stranger.requests == []
    assert await status_of(http, url, signed_get_headers(alice, url)) == 200
    assert await status_of(http, f"{instance.base_url}/actor") == 200, "partners must be able to verify us"
    webfinger = f"{instance.base_url}/.well-known/webfinger?resource=acct:robin@{instance.domain}"
    assert await status_of(http, webfinger, {"Accept": "application/jrd+json"}) == 200
    assert await status_of(http, url, {"Accept": "text/html"}) == 200, "HTML pages are not federation"


async def test_a_subdomain_of_a_listed_domain_is_listed_but_a_lookalike_is_not(start_instance):
    # SPEC: PROTOCOL.md attack 7
    instance = await start_instance()
    await set_policy(instance, mode="allowlist", rules={"Partner.Example.": "allow"})
    gate = instance.app[FEDERATION].domain_gate
    with instance.db():
        assert isinstance(await gate.origin("social.partner.example"), Allow)
        assert isinstance(await gate.origin("partner.example.evil"), Reject)
        assert isinstance(await gate.origin("notpartner.example"), Reject)


# --- closed mode ---


async def test_closed_mode_refuses_every_delivery_and_every_fetch_but_the_instance_actor(
    start_instance, remote, http
):
    # SPEC: issue 7 (closed: no federation)
    instance = await start_instance()
    url = await member_url(instance)
    await set_policy(instance, mode="closed", rules={remote.domain: "allow"})
    alice = remote.add_actor("alice")
    status, body = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert status == 403 and "federation is closed" in body
    assert await status_of(http, url) == 403
    assert await status_of(http, url, signed_get_headers(alice, url)) == 403
    assert await status_of(http, f"{instance.base_url}/actor") == 200
    assert remote.requests == [] and await stored(instance) == []


async def test_closed_mode_fetches_nothing_from_anyone(start_instance, remote):
    instance = await start_instance()
    alice = remote.add_actor("alice")
    await set_policy(instance, mode="closed")
    federation = instance.app[FEDERATION]
    with instance.db():
        with pytest.raises(CirclefedError, match="federation is closed"):
            await federation.remote_actors.by_uri(alice.uri)
        with pytest.raises(CirclefedError, match="federation is closed"):
            await federation.fetch_as_instance(alice.uri)
        with pytest.raises(CirclefedError, match="federation is closed"):
            await resolve_handle(federation, f"@alice@{remote.domain}")
    assert remote.requests == []


# --- blocked domains ---


async def test_a_blocked_domains_inbox_post_is_403_and_nothing_is_fetched_from_it(start_instance, remote, http):
    # SPEC: DESIGN.md flow 1 (blocked domain: 403, nothing fetched); PROTOCOL.md HTTP signatures
    instance = await start_instance()
    alice = remote.add_actor("alice")
    await set_policy(instance, rules={remote.domain: "block"})
    status, body = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert status == 403 and "is blocked" in body
    with instance.db(), pytest.raises(CirclefedError, match="is blocked"):
        await instance.app[FEDERATION].remote_actors.by_uri(alice.uri)
    assert remote.requests == [] and await stored(instance) == []


async def queue_to(instance, inboxes: list[str]) -> int:
    """An OutboxActivity by a local member and one pending Delivery per inbox, in one transaction."""
    now = datetime.now(UTC)
    await member_url(instance, "sam")
    with instance.db():
        sam = await Actor.get(local_name="sam")
        async with in_transaction():
            activity = await store_activity(
                uri=f"{sam.uri}/activities/1", type="Create", actor=sam, now=now,
                payload={"id": f"{sam.uri}/activities/1", "type": "Create", "actor": sam.uri},
            )
            await enqueue_deliveries(activity, inboxes, local_domain=instance.domain, ordering_key=None, now=now)
        return activity.id


async def delivery_states(instance) -> dict[str, str]:
    with instance.db():
        return {d.domain: d.state.value for d in await Delivery.all()}


async def test_blocking_a_domain_cancels_its_queued_deliveries_and_nothing_reaches_it(
    start_instance, remote, stranger
):
    # SPEC: issue 7 item 7 (a blocked domain's queued deliveries are cancelled); DESIGN.md delivery states
    instance = await start_instance(web={"run_worker": False})
    await queue_to(instance, [f"{remote.base_url}/inbox", f"{stranger.base_url}/inbox"])
    await set_policy(instance, rules={remote.domain: "block"})
    assert await delivery_states(instance) == {remote.domain: "cancelled", stranger.domain: "pending"}
    runner = build_runner(instance.app[SETTINGS], client=instance.app[HTTP_CLIENT], clock=Clock())
    with instance.db():
        counts = await runner.run_once()
    assert counts.delivered == 1
    assert remote.received == [] and len(stranger.received) == 1


async def test_new_fan_outs_skip_blocked_destinations(start_instance, remote, stranger):
    # SPEC: DESIGN.md flow 2 (the gate filters destinations before Delivery rows are written)
    instance = await start_instance(web={"run_worker": False})
    await set_policy(instance, rules={remote.domain: "block"})
    activity_id = await queue_to(instance, [])
    with instance.db():
        activity = await OutboxActivity.get(id=activity_id)
        async with in_transaction():
            inboxes = [f"{remote.base_url}/inbox", f"{stranger.base_url}/inbox"]
            queued = await enqueue(
                instance.app[SITE], activity, inboxes, None, datetime.now(UTC), reach=Reach.PUBLIC_FACE
            )
    assert queued == [f"{stranger.base_url}/inbox"]
    assert await delivery_states(instance) == {stranger.domain: "pending"}


async def test_unblocking_a_domain_lets_it_deliver_again(start_instance, remote, http):
    instance = await start_instance()
    alice = remote.add_actor("alice")
    await set_policy(instance, rules={remote.domain: "block"})
    assert (await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice)))[0] == 403
    with instance.db():
        await federation_policy.clear_rule(remote.domain, now=datetime.now(UTC), enforce=cancel_refused_deliveries)
    instance.app[FEDERATION].domain_gate.invalidate()
    assert (await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice)))[0] == 202
