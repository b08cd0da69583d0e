"""Domain: the local instance row, the instance actor and creation of local actors with their key pairs."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from circlefed.protocol.keys import generate_rsa_keypair
from circlefed.protocol.uris import Uris
from circlefed.storage.models import Actor, Instance

INSTANCE_ACTOR_NAME = "actor"


async def local_instance(domain: str) -> Instance:
    instance = await Instance.get_or_none(domain=domain)
    if instance is not None:
        return instance
    try:
        async with in_transaction():  # a savepoint when nested: a lost race must not abort the caller's transaction
            return await Instance.create(domain=domain, is_local=True)
    except IntegrityError:
        return await Instance.get(domain=domain)


async def create_local_actor(
    uris: Uris,
    domain: str,
    *,
    actor_type: str,
    local_name: str,
    uri: str,
    display_name: str,
    summary: str = "",
) -> Actor:
    """A local actor with a fresh RSA-2048 key pair; the private key stays in the database."""
    private_pem, public_pem = generate_rsa_keypair()
    instance = await local_instance(domain)
    return await Actor.create(
        uri=uri,
        type=actor_type,
        instance=instance,
        is_local=True,
        local_name=local_name,
        preferred_username=local_name,
        display_name=display_name,
        summary=summary,
        url=uri,
        inbox_uri=uris.inbox(uri),
        shared_inbox_uri=uris.shared_inbox(),
        outbox_uri=uris.outbox(uri),
        followers_uri=uris.followers(uri),
        public_key_id=uris.key_id(uri),
        public_key_pem=public_pem,
        private_key_pem=private_pem,
    )


async def instance_actor(uris: Uris, domain: str, name: str) -> Actor:
    """The Application actor at /actor that signs server-initiated requests; created on first use."""
    actor = await Actor.get_or_none(local_name=INSTANCE_ACTOR_NAME)
    if actor is not None:
        return actor
    try:
        async with in_transaction():
            return await create_local_actor(
                uris,
                domain,
                actor_type="Application",
                local_name=INSTANCE_ACTOR_NAME,
                uri=uris.instance_actor(),
                display_name=name,
            )
    except IntegrityError:
        # Two first requests raced to create it; the other one won.
        return await Actor.get(local_name=INSTANCE_ACTOR_NAME)
