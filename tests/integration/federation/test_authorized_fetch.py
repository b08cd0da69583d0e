"""Authorized fetch: signed GETs of ActivityPub documents are verified, and required when configured."""


import pytest

from circlefed.storage.models import DomainAction, DomainRule
from tests.fakes.remote import signed_get_headers

from .circles import member_url

pytestmark = pytest.mark.storage
AS2 = {"Accept": "application/activity+json"}


async def refusal(response) -> tuple[int, str]:
    """(status, the reason the server gave)."""
    return response.status, (await response.json())["error"]


async def test_with_authorized_fetch_unsigned_as2_gets_are_refused_but_pages_are_not(start_instance, http):
    instance = await start_instance(federation={"authorized_fetch": True})
    url = await member_url(instance)
    async with http.get(url, headers=AS2) as response:
        assert await refusal(response) == (401, "this server requires signed requests for ActivityPub documents")
    async with http.get(url, headers={"Accept": "text/html"}) as response:
        assert response.status == 200 and "robin" in await response.text()


async def test_attack_24_the_instance_actor_stays_fetchable_unsigned(start_instance, http):
    # SPEC: PROTOCOL.md attack 24 (signed-fetch deadlock between two authorized-fetch servers); FEP-2677
    instance = await start_instance(federation={"authorized_fetch": True})
    async with http.get(f"{instance.base_url}/actor", headers=AS2) as response:
        assert response.status == 200
        assert (await response.json())["type"] == "Application"


async def test_a_validly_signed_get_is_served_under_authorized_fetch(start_instance, remote, http):
    instance = await start_instance(federation={"authorized_fetch": True})
    url = await member_url(instance)
    alice = remote.add_actor("alice")
    async with http.get(url, headers=signed_get_headers(alice, url)) as response:
        assert response.status == 200
        assert (await response.json())["id"] == url


async def test_a_badly_signed_get_is_401_even_without_authorized_fetch(start_instance, remote, http):
    instance = await start_instance()
    url = await member_url(instance)
    alice = remote.add_actor("alice")
    headers = signed_get_headers(alice, f"{instance.base_url}/u/someone-else")
    async with http.get(url, headers=headers) as response:
        assert await refusal(response) == (401, "signature does not verify with the key")
    async with http.get(url, headers=AS2) as response:
        assert response.status == 200, "unsigned fetches of public documents are fine by default"
        assert (await response.json())["id"] == url


async def test_attack_13_a_repeated_signed_get_rereads_only_the_signed_url(start_instance, remote, http):
    # SPEC: PROTOCOL.md attack 13: a signed GET repeated within its window is served again (peers such as Fedify
    # fetch one URL twice in a second with identical cavage signatures), but only for the URL it signed.
    instance = await start_instance(federation={"authorized_fetch": True})
    url = await member_url(instance)
    alice = remote.add_actor("alice")
    headers = signed_get_headers(alice, url)
    for _ in range(2):
        async with http.get(url, headers=headers) as response:
            assert response.status == 200 and (await response.json())["id"] == url
    other = await member_url(instance, "someone_else")  # exists: only the signature can make its fetch fail
    async with http.get(other, headers=headers) as response:
        # the signature is bound to the URL it signed
        assert await refusal(response) == (401, "signature does not verify with the key")


async def test_a_signed_get_from_a_blocked_domain_is_refused_without_fetching_its_key(start_instance, remote, http):
    instance = await start_instance(federation={"authorized_fetch": True})
    url = await member_url(instance)
    alice = remote.add_actor("alice")
    with instance.db():
        await DomainRule.create(domain=remote.domain, action=DomainAction.BLOCK)
    async with http.get(url, headers=signed_get_headers(alice, url)) as response:
        assert await refusal(response) == (403, f"domain {remote.domain} is blocked")
    assert remote.requests == []
