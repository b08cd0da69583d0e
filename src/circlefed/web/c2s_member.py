"""Web: the member an outbox or inbox path names, when the request's token is theirs, and the actors they speak as
(their own, and the per-circle pseudonyms other instances know them by in confidential circles hosted here)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web

from circlefed.domain.pseudonyms import pseudonym_name
from circlefed.errors import Forbidden
from circlefed.storage.models import Account, Actor, Circle, Membership
from circlefed.web.api.auth import TOKEN

log = logging.getLogger(__name__)
NOT_YOURS = "This is another member's outbox: an app posts to the outbox of the member who allowed it"


@dataclass(frozen=True)
class Owner:
    """The token's member, who owns the outbox or inbox the path names."""

    account: Account
    actor: Actor


async def owner_of(request: web.Request, *, posting: bool = False) -> Owner | None:
    """The token's member when the path names them; None when it names no one or (reading) someone else: the
    caller answers both alike. Posting to another member's outbox is refused as such (Forbidden)."""
    account: Account = request[TOKEN].account
    actor = await Actor.get(id=account.actor_id)  # type: ignore[attr-defined]
    name = request.match_info["name"]
    if actor.local_name == name:
        return Owner(account, actor)
    if posting and await Actor.exists(local_name=name, is_local=True, type="Person"):
        log.info("c2s: token %d refused on another member's outbox", request[TOKEN].id)
        raise Forbidden(NOT_YOURS)
    return None


async def voices(actor: Actor, circles: Iterable[Circle] | None = None) -> list[Actor]:
    """The member's own actor and the pseudonyms they have in `circles` (by default, every circle they are in):
    what they publish there is sent as these."""
    if circles is None:
        circle_ids = await Membership.filter(actor_id=actor.id).values_list("circle_id", flat=True)
        circles = await Circle.filter(id__in=list(circle_ids)) if circle_ids else []
    # Any circle hosted here: one that is public now may have been confidential when the member wrote in it.
    names = [await pseudonym_name(circle, actor) for circle in circles if circle.is_local]
    found = await Actor.filter(local_name__in=names, is_local=True, type="Person") if names else []
    # Pseudonyms are actors without an account (domain/pseudonyms.py): an account's name is never one.
    accounts = set(await Account.filter(actor_id__in=[a.id for a in found]).values_list("actor_id", flat=True))
    return [actor, *(pseudonym for pseudonym in found if pseudonym.id not in accounts)]
