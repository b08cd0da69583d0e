"""Domain: what a member changes about their own account: password and per-circle display names."""

from __future__ import annotations

import logging
import unicodedata

from circlefed.domain.account_sessions import end_all_sessions
from circlefed.domain.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from circlefed.domain.pseudonyms import pseudonym_name
from circlefed.errors import BadRequest, Conflict, Forbidden, NotFound
from circlefed.storage.models import Account, Actor, Membership, MembershipState

log = logging.getLogger(__name__)
MAX_PSEUDONYM = 40


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
    log.info("account %s changed its password", account.username)
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


async def set_circle_pseudonym(account: Account, membership_id: int, value: str) -> Membership:
    """The member's display name in one circle (empty: their username); unique among that circle's members."""
    actor_id = account.actor_id  # type: ignore[attr-defined]
    membership = await Membership.get_or_none(id=membership_id, actor_id=actor_id).prefetch_related("circle")
    if membership is None or membership.state is MembershipState.REJECTED:
        raise NotFound("You are not a member of that circle.")
    name = clean_pseudonym(value)
    if name and await _taken_in_circle(membership, name):
        raise Conflict("Someone in this circle already uses that name. Please choose another.")
    membership.pseudonym = name or None
    await membership.save(update_fields=["pseudonym", "updated_at"])
    await _rename_pseudonymous_actor(membership, name)
    return membership


async def _taken_in_circle(membership: Membership, name: str) -> bool:
    others = Membership.filter(circle_id=membership.circle_id).exclude(id=membership.id)  # type: ignore[attr-defined]
    folded = name.casefold()
    for pseudonym, username in await others.values_list("pseudonym", "actor__preferred_username"):
        if folded in ((pseudonym or "").casefold(), (username or "").casefold()):
            return True
    return False


async def _rename_pseudonymous_actor(membership: Membership, name: str) -> None:
    """The circle's pseudonymous actor of this member (if one exists) shows the chosen name too."""
    actor = await Actor.get(id=membership.actor_id)  # type: ignore[attr-defined]
    local_name = await pseudonym_name(membership.circle, actor)
    await (
        Actor.filter(local_name=local_name, is_local=True)
        .exclude(id=actor.id)
        .update(display_name=name or f"Member {local_name[2:8]}")
    )
