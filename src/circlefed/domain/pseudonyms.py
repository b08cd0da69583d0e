"""Domain: per-circle pseudonyms: how other instances see a local member in a members circle hosted here."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from circlefed.domain.actors import INSTANCE_ACTOR_NAME, create_local_actor
from circlefed.domain.instance_policy import read_instance_policy
from circlefed.domain.secrets_store import instance_secret
from circlefed.domain.site import Site
from circlefed.storage.models import Account, Actor, Circle, InstanceSecret, Membership, Visibility

log = logging.getLogger(__name__)
PREFIX = "m_"
KEY_NAME = "pseudonym_key"


async def pseudonym_key() -> bytes:
    """A secret only this instance knows, fixed at first use: derived from the instance actor's private key when
    there is one (as every pseudonym made before the key was stored), else random. Never empty: a pseudonym that
    anyone could compute from the circle's and the member's ids would name the member."""
    row = await InstanceSecret.get_or_none(name=KEY_NAME)
    if row is not None:
        return bytes.fromhex(row.value)
    pem = await Actor.filter(local_name=INSTANCE_ACTOR_NAME).values_list("private_key_pem", flat=True)

    def generate() -> str:
        if pem and pem[0]:
            return hashlib.sha256(b"circlefed pseudonym\0" + pem[0].encode()).hexdigest()
        return secrets.token_hex(32)

    return bytes.fromhex(await instance_secret(KEY_NAME, generate))


async def pseudonym_name(circle: Circle, member: Actor, key: bytes | None = None) -> str:
    """`m_<hex>`: the member's local name in this circle (`key`: pseudonym_key(), when naming many)."""
    key = key if key is not None else await pseudonym_key()
    digest = hmac.new(key, f"{circle.id}:{member.id}".encode(), hashlib.sha256).hexdigest()
    return f"{PREFIX}{digest[:14]}"


async def _pseudonymous(name: str) -> Actor | None:
    actor = await Actor.get_or_none(local_name=name, is_local=True, type="Person")
    if actor is not None and await Account.exists(actor_id=actor.id):
        log.warning("pseudonym name %s is an account's name: not using it", name)
        return None
    return actor


def uses_pseudonyms(circle: Circle, level: Visibility | None = None) -> bool:
    """Other instances see local members by per-circle pseudonyms in what a circle hosted here says at a
    confidential level: `level` is a row's audience (what it was written for) or, for the circle's own
    activities, its level now."""
    return circle.is_local and (level or circle.visibility) is not Visibility.PUBLIC


def shows_generated_names(circle: Circle) -> bool:
    """This instance's own pages show local members of this circle by their name in it, never their username
    (every confidential circle hosted here)."""
    return circle.is_local and circle.visibility is not Visibility.PUBLIC


def generated_display_name(name: str) -> str:
    """The shown name of a pseudonym (`m_<hex>` -> "Member <six hex digits>")."""
    return f"Member {name[len(PREFIX) : len(PREFIX) + 6]}"


async def default_display_name(circle: Circle, member: Actor) -> str:
    """How a member is shown in a circle without a name of their own (see display_names)."""
    if shows_generated_names(circle) and member.is_local:
        return generated_display_name(await pseudonym_name(circle, member))
    return member.local_name or member.preferred_username


async def display_names(circle: Circle, actors: Iterable[Actor]) -> dict[int, str]:
    """How each actor is shown in this circle on this instance's pages: the name they chose in it; else, in a
    confidential circle hosted here, a local member's generated name (never their username); else their
    username (remote actors: their preferredUsername)."""
    by_id = {actor.id: actor for actor in actors}
    if not by_id:
        return {}
    chosen = dict(
        await Membership.filter(circle_id=circle.id, actor_id__in=list(by_id), pseudonym__isnull=False)
        .exclude(pseudonym="")
        .values_list("actor_id", "pseudonym")
    )
    key = await pseudonym_key() if shows_generated_names(circle) else b""
    shown = {}
    for actor_id, actor in by_id.items():
        if actor_id in chosen:
            shown[actor_id] = chosen[actor_id]
        elif key and actor.is_local and actor.type == "Person":
            shown[actor_id] = generated_display_name(await pseudonym_name(circle, actor, key))
        else:
            shown[actor_id] = actor.local_name or actor.preferred_username
    return shown


def _stands_for_itself(circle: Circle, actor: Actor, level: Visibility | None) -> bool:
    """Remote actors, the circle's Group and instance actors appear as themselves everywhere."""
    if not actor.is_local or actor.type != "Person" or actor.id == circle.actor_id:
        return True
    return not uses_pseudonyms(circle, level)


async def ensure_pseudonyms(
    site: Site, circle: Circle, people: Iterable[Actor], *, level: Visibility | None = None
) -> None:
    """Make the per-circle pseudonyms other instances will see `people` by in `circle` (`level`: see
    uses_pseudonyms), before anything is rendered under them: publishing runs this first (federation/outbound/
    publish.py), so that rendering only reads (attributed_actor). One is made while the admin does not share
    real names; once made it stays. Remote people, the Group, instance actors and public circles need none."""
    shares_real_names: bool | None = None
    for person in people:
        if _stands_for_itself(circle, person, level):
            continue
        name = await pseudonym_name(circle, person)
        if await _pseudonymous(name) is not None:
            continue
        if shares_real_names is None:
            shares_real_names = (await read_instance_policy()).share_real_names
        if shares_real_names:
            return
        try:
            async with in_transaction():
                await create_local_actor(
                    site.uris, site.domain, actor_type="Person", local_name=name, uri=site.uris.member(name),
                    display_name=await _shown_name(circle, person, name),
                )
        except IntegrityError:
            pass  # made at the same time by another transaction, or the name is an account's (logged on use)


async def attributed_actor(site: Site, circle: Circle, author: Actor, *, level: Visibility | None = None) -> Actor:
    """Who other instances see as `author` (the author of a post, a moderator, a person moderated) in `circle`.
    Only reads: pseudonyms are made before anything is rendered (ensure_pseudonyms).

    In a confidential circle hosted here (`level`: see uses_pseudonyms) a local member appears as their
    per-circle pseudonym once one exists; while the admin does not share real names, a pseudonym not made yet
    (a document rendered before anything was published under it) is named by the id it will have: a document
    never shows the member's own actor in its place. A post written in public keeps its author, so a post never
    changes hands. Public posts, remote members, the Group and instance actors show the actor itself."""
    if _stands_for_itself(circle, author, level):
        return author
    name = await pseudonym_name(circle, author)
    existing = await _pseudonymous(name)
    if existing is not None:
        return existing
    if (await read_instance_policy()).share_real_names:
        return author
    return Actor(uri=site.uris.member(name), type="Person", is_local=True, local_name=name, preferred_username=name)


async def _shown_name(circle: Circle, author: Actor, name: str) -> str:
    """The pseudonymous actor's display name: the name the member chose in the circle, else the generated one."""
    chosen = await Membership.filter(circle_id=circle.id, actor_id=author.id).values_list("pseudonym", flat=True)
    return (chosen[0] if chosen and chosen[0] else None) or generated_display_name(name)
