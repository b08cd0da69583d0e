"""Domain: single-use invitations to register or to join one circle; only a hash of the token is stored."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from circlefed.errors import BadRequest
from circlefed.storage.models import Account, Circle, Invite

log = logging.getLogger(__name__)

DEFAULT_LIFETIME = timedelta(days=7)
INVALID = "This invitation is not valid: it may have been used already or have expired. Ask for a new one."


@dataclass(frozen=True)
class CreatedInvite:
    invite: Invite
    token: str  # shown once to whoever created it; never stored


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(
    by: Account | None,
    *,
    now: datetime,
    expires_in: timedelta = DEFAULT_LIFETIME,
    note: str = "",
    circle: Circle | None = None,
) -> CreatedInvite:
    """A new invitation (to the instance, or to `circle`); the plain token goes into the link and nowhere else."""
    if expires_in <= timedelta(0):
        raise BadRequest("an invitation must be valid for some time")
    token = secrets.token_urlsafe(24)
    invite = await Invite.create(
        token_hash=hash_token(token),
        created_by=by,
        note=note[:255],
        created_at=now,
        expires_at=now + expires_in,
        circle=circle,
    )
    log.info(
        "invite %d created by %s%s",
        invite.id,
        f"account {by.id}" if by else "the CLI",
        f" for circle {circle.id}" if circle else "",
    )
    return CreatedInvite(invite=invite, token=token)


async def find_usable_invite(token: str, now: datetime) -> Invite:
    """The unused, unexpired invitation for `token`; BadRequest otherwise (no hint which)."""
    invite = await Invite.get_or_none(token_hash=hash_token(token)) if token else None
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise BadRequest(INVALID)
    return invite


async def redeem_invite(token: str, account: Account, now: datetime) -> None:
    """Mark the invitation used by `account`, atomically: of two registrations racing, only one wins."""
    invite = await find_usable_invite(token, now)
    claimed = await Invite.filter(id=invite.id, used_at__isnull=True).update(used_at=now, used_by_id=account.id)
    if claimed != 1:
        raise BadRequest(INVALID)


async def list_invites(now: datetime, circle: Circle | None = None) -> list[Invite]:
    """Invitations still usable, newest first: to the instance (the admin page), or to `circle`."""
    query = Invite.filter(used_at__isnull=True, expires_at__gt=now)
    query = query.filter(circle_id=circle.id) if circle else query.filter(circle_id__isnull=True)
    return await query.order_by("-created_at")


async def revoke_invite(invite_id: int, now: datetime, circle: Circle | None = None) -> None:
    """End an unused invitation at once (one of `circle`'s only, when a circle's page asks)."""
    query = Invite.filter(id=invite_id, used_at__isnull=True)
    query = query.filter(circle_id=circle.id) if circle else query.filter(circle_id__isnull=True)
    await query.update(expires_at=now)
