"""Domain: per-circle pseudonyms: how other instances see a local member in a members circle hosted here."""

from __future__ import annotations

import hashlib
import hmac
import logging

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from circlefed.domain.actors import INSTANCE_ACTOR_NAME, create_local_actor
from circlefed.domain.instance_policy import read_instance_policy
from circlefed.domain.site import Site
from circlefed.storage.models import Account, Actor, Circle, Membership, Visibility

log = logging.getLogger(__name__)
PREFIX = "m_"


async def _secret() -> bytes:
    """A stable secret only this instance knows: derived from the instance actor's private key."""
    pem = await Actor.filter(local_name=INSTANCE_ACTOR_NAME).values_list("private_key_pem", flat=True)
    return hashlib.sha256(b"circlefed pseudonym\0" + (pem[0] or "").encode()).digest() if pem else b""


async def pseudonym_name(circle: Circle, member: Actor) -> str:
    digest = hmac.new(await _secret(), f"{circle.id}:{member.id}".encode(), hashlib.sha256).hexdigest()
    return f"{PREFIX}{digest[:14]}"


async def _pseudonymous(name: str) -> Actor | None:
    actor = await Actor.get_or_none(local_name=name, is_local=True, type="Person")
    if actor is not None and await Account.exists(actor_id=actor.id):
        log.warning("pseudonym name %s is an account's name: not using it", name)
        return None
    return actor


def uses_pseudonyms(circle: Circle) -> bool:
    return circle.is_local and circle.visibility is Visibility.MEMBERS


async def attributed_actor(site: Site, circle: Circle, author: Actor, *, create: bool) -> Actor:
    """Who other instances see as the author of `author`'s posts in `circle`.

    A members circle hosted here shows a local member's per-circle pseudonym once one exists; one is made
    (create=True, when something is published) while the admin does not share real names. Once made it stays,
    so a post never changes hands. Public circles and remote members show the actor itself."""
    if not author.is_local or not uses_pseudonyms(circle):
        return author
    name = await pseudonym_name(circle, author)
    existing = await _pseudonymous(name)
    if existing is not None:
        return existing
    if not create or (await read_instance_policy()).share_real_names:
        return author
    display = f"Member {name[len(PREFIX) : len(PREFIX) + 6]}"
    try:
        async with in_transaction():
            actor = await create_local_actor(
                site.uris, site.domain, actor_type="Person", local_name=name, uri=site.uris.member(name),
                display_name=display,
            )
    except IntegrityError:
        return await _pseudonymous(name) or author
    await Membership.filter(circle_id=circle.id, actor_id=author.id).update(pseudonym=display)
    return actor
