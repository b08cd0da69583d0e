"""Resolving @name@domain handles through WebFinger, and refusing spoofed answers (attack 18)."""

import pytest

from circlefed.errors import BadRequest
from circlefed.federation.remote.handles import parse_handle, resolve_handle
from circlefed.web.keys import FEDERATION

pytestmark = pytest.mark.storage


@pytest.fixture
async def instance(start_instance):
    return await start_instance()


@pytest.mark.parametrize("handle", ["@grief@clinic.example", "grief@clinic.example", "acct:grief@clinic.example"])
def test_handles_are_read_in_every_common_spelling(handle):
    assert parse_handle(handle) == ("grief", "clinic.example")


@pytest.mark.parametrize("handle", ["", "@", "grief", "@grief@", "@@clinic.example", "gr ief@clinic.example"])
def test_malformed_handles_are_a_clear_error(handle):
    with pytest.raises(BadRequest):
        parse_handle(handle)


async def test_a_handle_resolves_to_the_actor_webfinger_names(instance, remote):
    circle = remote.add_actor("grief", actor_type="Group")
    with instance.db():
        actor = await resolve_handle(instance.app[FEDERATION], f"@grief@{remote.domain}")
    assert actor.uri == circle.uri and actor.type == "Group" and not actor.is_local


async def test_attack_18_webfinger_pointing_to_a_foreign_actor_is_refused(instance, remote, start_instance):
    # SPEC: PROTOCOL.md attack 18: evil's WebFinger claims @victim@evil is an actor on another server
    from tests.fakes.remote import FakeRemote

    other = await FakeRemote().start()
    try:
        victim = other.add_actor("victim")
        remote.webfinger_links[f"acct:victim@{remote.domain}"] = victim.uri
        with instance.db(), pytest.raises(BadRequest, match="another server"):
            await resolve_handle(instance.app[FEDERATION], f"@victim@{remote.domain}")
    finally:
        await other.close()


async def test_an_actor_whose_name_differs_from_the_handle_is_refused(instance, remote):
    remote.add_actor("alice")
    remote.webfinger_links[f"acct:bob@{remote.domain}"] = f"{remote.base_url}/users/alice"
    with instance.db(), pytest.raises(BadRequest, match="calls itself"):
        await resolve_handle(instance.app[FEDERATION], f"@bob@{remote.domain}")


async def test_an_unknown_handle_is_a_clear_error(instance, remote):
    with instance.db(), pytest.raises(BadRequest, match="could not look up"):
        await resolve_handle(instance.app[FEDERATION], f"@nobody@{remote.domain}")
