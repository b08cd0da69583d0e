"""Domain: what a member changes about their own account: password, e-mail address and per-circle display names."""

from __future__ import annotations

import logging
import re
import unicodedata

from circlefed.domain.account_sessions import end_all_sessions
from circlefed.domain.circles import group_uri
from circlefed.domain.events import NameChanged
from circlefed.domain.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from circlefed.domain.pseudonyms import default_display_name, display_names, generated_display_name, pseudonym_name
from circlefed.errors import BadRequest, Conflict, Forbidden, NotFound
from circlefed.storage.models import Account, Actor, CircleName, Membership, MembershipState

log = logging.getLogger(__name__)
MAX_PSEUDONYM = 40
GENERATED_NAME = re.compile(r"member [0-9a-f]{6}", re.IGNORECASE)
MAX_EMAIL = 255
# name@domain.tld: no spaces, quotes, brackets or separators, at most 64 characters before the @, a dot after it.
_EMAIL = re.compile(r"[^\s@\"(),:;<>\[\\\]]{1,64}@[^\s@\"(),:;<>\[\\\]]+\.[^\s@\"(),:;<>\[\\\].]{2,}")
BAD_EMAIL = "That does not look like an e-mail address. It should look like name@example.org."


async def change_password(account: Account, current: str, new: str) -> Account:
    """Set a new password after checking the current one; every session of the account ends (the web UI then
    starts a new one for the device that changed it)."""
    if not verify_password(account.password_hash, current):
        raise Forbidden("The current password is not right.")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"The new password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    account.password_hash = hash_password(new)
    await account.save(update_fields=["password_hash"])
    await end_all_sessions(account)
    log.info("account %s changed its password", account.id)
    return account


def clean_email(value: str) -> str | None:
    """An e-mail address as typed, trimmed (None: no address); BadRequest saying what is wrong with it."""
    address = value.strip()
    if not address:
        return None
    if len(address) > MAX_EMAIL:
        raise BadRequest(f"The e-mail address can be at most {MAX_EMAIL} characters long (it has {len(address)}).")
    if not _EMAIL.fullmatch(address) or any(unicodedata.category(char).startswith("C") for char in address):
        raise BadRequest(BAD_EMAIL)
    return address


async def set_email(account: Account, value: str) -> Account:
    """Save (or, empty, remove) the account's private e-mail address, used only to send it password links."""
    account.email = clean_email(value)
    await account.save(update_fields=["email"])
    log.info("account %s %s its e-mail address", account.id, "saved" if account.email else "removed")
    return account


def clean_pseudonym(value: str) -> str:
    """A display name: trimmed, inner whitespace collapsed, 2-40 printable characters (empty: none)."""
    name = " ".join(value.split())
    if not name:
        return ""
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise BadRequest("The name cannot contain control or invisible characters.")
    if not 2 <= len(name) <= MAX_PSEUDONYM:
        raise BadRequest(f"The name must be 2 to {MAX_PSEUDONYM} characters long.")
    return name


async def set_circle_pseudonym(account: Account, membership_id: int, value: str) -> NameChanged:
    """The member's display name in one circle (empty: the name shown without one, pseudonyms.display_names);
    unique among the names that circle shows."""
    actor_id = account.actor_id  # type: ignore[attr-defined]
    membership = await Membership.get_or_none(id=membership_id, actor_id=actor_id).prefetch_related("circle")
    if membership is None or membership.state is MembershipState.REJECTED:
        raise NotFound("You are not a member of that circle.")
    name = clean_pseudonym(value)
    actor = await Actor.get(id=actor_id)
    if name and _imitates_a_generated_name(name, await default_display_name(membership.circle, actor)):
        raise BadRequest("Names like “Member 1a2b3c” are the ones this instance makes up. Please choose another.")
    if name and await _taken_in_circle(membership, name):
        raise Conflict("Someone in this circle already uses that name. Please choose another.")
    membership.pseudonym = name or None
    await membership.save(update_fields=["pseudonym", "updated_at"])
    await _keep_chosen_name(membership, name)
    await _rename_pseudonymous_actor(membership, name)
    return NameChanged(membership.circle, actor, membership, await group_uri(membership.circle))


async def _keep_chosen_name(membership: Membership, name: str) -> None:
    """The chosen name outlives the membership (CircleName); going back to the generated name forgets it."""
    owner = {"circle_id": membership.circle_id, "actor_id": membership.actor_id}  # type: ignore[attr-defined]
    if not name:
        await CircleName.filter(**owner).delete()
    elif not await CircleName.filter(**owner).update(name=name):
        await CircleName.create(**owner, name=name)


async def chosen_name_back(membership: Membership) -> None:
    """A new membership (joining again) takes the name chosen earlier in that circle, unless someone in it is
    shown by that name meanwhile (then the generated name, until they choose again)."""
    owner = {"circle_id": membership.circle_id, "actor_id": membership.actor_id}  # type: ignore[attr-defined]
    name = await CircleName.filter(**owner).values_list("name", flat=True)
    if name and not await _taken_in_circle(membership, name[0]):
        membership.pseudonym = name[0]
        await membership.save(update_fields=["pseudonym", "updated_at"])


async def _taken_in_circle(membership: Membership, name: str) -> bool:
    """Another member is shown by this name in the circle (compared with what the circle shows of them, never
    with usernames it hides: the answer would tell who is in the circle)."""
    others = Membership.filter(circle_id=membership.circle_id).exclude(id=membership.id)  # type: ignore[attr-defined]
    actors = [row.actor for row in await others.select_related("actor")]
    folded = name.casefold()
    return any(shown.casefold() == folded for shown in (await display_names(membership.circle, actors)).values())


def _imitates_a_generated_name(name: str, own_default: str) -> bool:
    return GENERATED_NAME.fullmatch(name) is not None and name != own_default


async def _rename_pseudonymous_actor(membership: Membership, name: str) -> None:
    """The circle's pseudonymous actor of this member (if one exists) shows the chosen name too."""
    actor = await Actor.get(id=membership.actor_id)  # type: ignore[attr-defined]
    local_name = await pseudonym_name(membership.circle, actor)
    await (
        Actor.filter(local_name=local_name, is_local=True)
        .exclude(id=actor.id)
        .update(display_name=name or generated_display_name(local_name))
    )
