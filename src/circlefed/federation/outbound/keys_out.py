"""Federation: a local actor's key pair replaced (`circlefed keys rotate`), and the Update of the actor that
tells the instances which know it to fetch the new key.

A circle's Group tells its members' instances (its level permitting, as any Update(Group)); a member tells the
instances of the public circles hosted here that they belong to, and the hosts of remote circles they joined:
those know the member's own actor already, so the Update names no membership they did not know. Members
circles show other instances a pseudonym, never this actor: nothing goes there. The instance actor and
pseudonyms send nothing: a peer fetches the key again when a signature first fails to verify with the old one.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.delivery.outbox import store_activity
from circlefed.domain.directory import get_person
from circlefed.domain.site import Site
from circlefed.errors import BadRequest
from circlefed.federation.outbound.audience import follower_inboxes, instances_knowing_member
from circlefed.federation.outbound.exits import Reach, enqueue
from circlefed.federation.outbound.moderation_out import group_update
from circlefed.protocol.actors import render_person_update
from circlefed.protocol.keys import generate_rsa_keypair
from circlefed.storage.models import Account, Actor, Circle, Visibility


async def rotate_key(site: Site, actor: Actor, *, now: datetime) -> list[str]:
    """Give a local actor a new key pair and queue the Update of the actor, in one transaction; returns the
    inboxes it is queued for."""
    if not actor.is_local or actor.private_key_pem is None:
        raise BadRequest("only an actor of this instance has a key to rotate")
    async with in_transaction():
        return await _replace_key(site, actor, now)


async def _replace_key(site: Site, actor: Actor, now: datetime) -> list[str]:
    actor.private_key_pem, actor.public_key_pem = generate_rsa_keypair()
    await actor.save(update_fields=["private_key_pem", "public_key_pem", "updated_at"])
    circle = await Circle.get_or_none(actor_id=actor.id, is_local=True)
    if circle is not None:
        if circle.visibility is Visibility.LOCAL:
            return []
        activity = await group_update(site, circle, now, as_circle_content=False)
        inboxes = await follower_inboxes(circle)
    elif await Account.exists(actor_id=actor.id):
        inboxes = await instances_knowing_member(actor)
        uri = site.uris.new_activity()
        payload = render_person_update(uri, await get_person(site, actor.local_name or ""), now)
        activity = await store_activity(uri=uri, type="Update", actor=actor, payload=payload, now=now,
                                        object_uri=actor.uri)
    else:
        return []
    await enqueue(site, activity, inboxes, None, now, reach=Reach.PUBLIC_FACE)
    return inboxes
