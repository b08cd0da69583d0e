"""Domain: the name on a member's own profile: their Person's name (its page /u/<name>, apps, instances that
fetch it). Never a circle's name for them: each circle keeps its own (account_settings.py), so that a name shown
in a members circle is not linked to the member's profile."""

from __future__ import annotations

import logging

from circlefed.domain.account_settings import GENERATED_NAME, clean_pseudonym
from circlefed.domain.events import ProfileRenamed
from circlefed.errors import BadRequest
from circlefed.storage.models import Account, Actor

log = logging.getLogger(__name__)


async def set_profile_name(account: Account, value: str) -> ProfileRenamed | None:
    """The member's profile name, checked as a name in a circle is (empty: back to the username); None when it
    is the name shown already (nothing to tell anyone)."""
    name = clean_pseudonym(value)
    if name and GENERATED_NAME.fullmatch(name):
        raise BadRequest("Names like “Member 1a2b3c” are the ones this instance makes up. Please choose another.")
    actor = await Actor.get(id=account.actor_id)  # type: ignore[attr-defined]
    wanted = name or actor.local_name or account.username
    if wanted == actor.display_name:
        return None
    actor.display_name = wanted
    await actor.save(update_fields=["display_name", "updated_at"])
    log.info("account %s %s its profile name", account.id, "changed" if name else "reset")
    return ProfileRenamed(actor)
