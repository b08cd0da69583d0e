"""Helpers for domain tests of moderation: fast accounts, a circle with a facilitator, members and a remote one."""

from __future__ import annotations

import functools

import pytest

from circlefed.domain import accounts as domain_accounts
from circlefed.domain import actors as domain_actors
from circlefed.domain.accounts import create_account
from circlefed.domain.circles import create_circle
from circlefed.domain.passwords import hash_password
from circlefed.domain.site import Site
from circlefed.protocol.keys import generate_rsa_keypair
from circlefed.storage.models import Actor, Circle, Instance, Membership, MembershipState, Role
from tests.factories import PASSWORD

SITE = Site.for_base_url("http://127.0.0.1:8080", "127.0.0.1:8080", "test")
_one_key_pair = functools.cache(generate_rsa_keypair)
_one_hash = functools.cache(hash_password)


@pytest.fixture(autouse=True)
def fast_accounts(monkeypatch):
    """Accounts share one key pair and one password hash: neither plays a part here and both are slow to make."""
    monkeypatch.setattr(domain_actors, "generate_rsa_keypair", _one_key_pair)
    monkeypatch.setattr(domain_accounts, "hash_password", _one_hash)


async def local_member(name: str, *, is_admin: bool = False) -> Actor:
    account = await create_account(SITE, name, PASSWORD, is_admin=is_admin)
    return await account.actor


async def remote_person(name: str = "kim", domain: str = "social.example") -> Actor:
    instance, _ = await Instance.get_or_create(domain=domain)
    uri = f"https://{domain}/users/{name}"
    return await Actor.create(uri=uri, type="Person", instance=instance, preferred_username=name)


async def join(circle: Circle, actor: Actor, *, role: Role = Role.MEMBER) -> Actor:
    await Membership.create(circle=circle, actor=actor, role=role, state=MembershipState.APPROVED)
    return actor


async def remote_circle_with(*actors: Actor) -> Circle:
    instance, _ = await Instance.get_or_create(domain="partner.example")
    group = await Actor.create(
        uri="https://partner.example/c/hope", type="Group", instance=instance, preferred_username="hope"
    )
    circle = await Circle.create(actor=group, is_local=False, slug="hope", name="Hope")
    for actor in actors:
        await join(circle, actor)
    return circle


async def grief_circle():
    """A public circle with its facilitator `host`, a member `robin` and a remote member `kim`."""
    host = await local_member("host")
    circle = await create_circle(SITE, "grief", "Grief circle", facilitator=host)
    return circle, host, await join(circle, await local_member("robin")), await join(circle, await remote_person())
