"""Helpers for domain tests of moderation: fast accounts, a circle with a facilitator, members and a remote one."""

from __future__ import annotations

import functools

import pytest

from circlefed.domain import accounts as domain_accounts
from circlefed.domain import actors as domain_actors
from circlefed.domain.passwords import hash_password
from circlefed.protocol.keys import generate_rsa_keypair
from circlefed.storage.models import Actor, Circle
from tests.factories import SITE, approved_member, local_circle, local_person, remote_circle, remote_person

_one_key_pair = functools.cache(generate_rsa_keypair)
_one_hash = functools.cache(hash_password)


@pytest.fixture(autouse=True)
def fast_accounts(monkeypatch):
    """Accounts share one key pair and one password hash: neither plays a part here and both are slow to make."""
    monkeypatch.setattr(domain_actors, "generate_rsa_keypair", _one_key_pair)
    monkeypatch.setattr(domain_accounts, "hash_password", _one_hash)


async def remote_circle_with(*actors: Actor) -> Circle:
    """The remote circle hope@partner.example with the given actors as approved members."""
    circle = await remote_circle()
    for actor in actors:
        await approved_member(circle, actor)
    return circle


async def grief_circle():
    """A public circle with its facilitator `host`, a member `robin` and a remote member `kim`."""
    host = await local_person(SITE, "host")
    circle = await local_circle(SITE, "grief", host, name="Grief circle")
    robin = await approved_member(circle, await local_person(SITE, "robin"))
    return circle, host, robin, await approved_member(circle, await remote_person())
