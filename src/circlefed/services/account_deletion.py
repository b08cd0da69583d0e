"""Services: deleting a local account: its posts' Deletes and a Delete of each of its identities, sent to
every instance that received something from or about them, in the transaction of the erasure."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from circlefed.delivery.outbox import store_activity
from circlefed.domain.account_removal import AccountErased, erase_account
from circlefed.domain.events import events_of
from circlefed.domain.pseudonyms import pseudonym_name
from circlefed.domain.site import Site
from circlefed.federation.outbound.exits import Reach, enqueue
from circlefed.federation.outbound.publish import publish
from circlefed.federation.outbound.withdraw import HOLDING
from circlefed.protocol.actor_delete import render_actor_delete
from circlefed.storage.models import Account, Circle, Delivery, Post, Thread

log = logging.getLogger(__name__)


async def delete_account(site: Site, account: Account, *, now: datetime) -> int:
    """Erase the account here and queue the Deletes; returns how many actor-Delete deliveries were queued."""
    async with in_transaction():
        erased = await erase_account(account, now=now)
        await publish(site, events_of(erased), now=now)
        queued = await _delete_identities(site, erased, now)
    log.info("account %s: %d Delete deliveries of its identities queued", account.id, queued)
    return queued


async def _delete_identities(site: Site, erased: AccountErased, now: datetime) -> int:
    """Each identity's Delete goes only where that identity was seen: a pseudonym never links to the Person."""
    objects = await _objects_by_identity(erased)
    queued = 0
    for identity in erased.identities:
        inboxes = await _holders(identity.id, objects.get(identity.id, []))
        if not inboxes:
            continue
        uri = site.uris.new_activity()
        activity = await store_activity(
            uri=uri,
            type="Delete",
            actor=identity,
            payload=render_actor_delete(uri, identity.uri, now),
            now=now,
            object_uri=identity.uri,
        )
        sent = await enqueue(site, activity, inboxes, identity.uri, now, reach=Reach.RETRACTION)
        queued += len(sent)
    return queued


async def _objects_by_identity(erased: AccountErased) -> dict[int, list[str]]:
    """identity id -> uris of the member's posts other instances saw under that identity."""
    actor = erased.actor
    by_name = {identity.local_name: identity.id for identity in erased.identities}
    rows = list(await Thread.filter(author_id=actor.id).values_list("uri", "circle_id"))
    rows += list(await Post.filter(author_id=actor.id).values_list("uri", "thread__circle_id"))
    circles = {circle.id: circle for circle in await Circle.filter(id__in={circle_id for _, circle_id in rows})}
    objects: dict[int, list[str]] = defaultdict(list)
    for uri, circle_id in rows:
        name = await pseudonym_name(circles[circle_id], actor)
        objects[by_name.get(name, actor.id)].append(uri)
    return objects


async def _holders(actor_id: int, object_uris: list[str]) -> list[str]:
    """Inboxes that received (or are about to receive) an activity by the identity or about one of its posts."""
    condition = Q(activity__actor_id=actor_id)
    if object_uris:
        condition |= Q(activity__object_uri__in=object_uris)
    rows = await Delivery.filter(condition, state__in=HOLDING).values_list("inbox_uri", flat=True)
    return sorted(set(rows))
