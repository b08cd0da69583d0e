"""Services: using an invitation: registering with one, or joining the circle one names, each committed with
the join's events (a new member of a confidential circle gets their pseudonym before anything names them)."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.domain.circle_invites import invited_circle, join_by_invite
from circlefed.domain.invites import hash_token, redeem_invite
from circlefed.domain.registration import register
from circlefed.domain.site import Site
from circlefed.errors import BadRequest
from circlefed.federation.outbound.publish import publish
from circlefed.storage.models import Account, Circle, Invite


async def register_member(
    site: Site,
    username: str,
    password: str,
    *,
    now: datetime,
    invite_token: str = "",
    join_reason: str = "",
    rules_version: int | None = None,
) -> Account:
    """A new account as the registration mode allows; with an invitation to a circle, a member of it too."""
    async with in_transaction():
        account = await register(site, username, password, now=now, invite_token=invite_token, join_reason=join_reason)
        invite = await Invite.get_or_none(token_hash=hash_token(invite_token)) if invite_token else None
        if invite is not None and invite.circle_id is not None:  # type: ignore[attr-defined]
            events = await join_by_invite(invite, await account.actor, rules_version=rules_version, now=now)
            await publish(site, events, now=now)
    return account


async def accept_circle_invite(
    site: Site, token: str, account: Account, *, rules_version: int | None, now: datetime
) -> Circle:
    """A signed-in member uses an invitation to a circle: the invitation is spent and they are in."""
    async with in_transaction():
        circle = await invited_circle(token, now)
        if circle is None:
            raise BadRequest("This invitation is for registering on this instance, and you already have an account.")
        await redeem_invite(token, account, now)
        invite = await Invite.get(token_hash=hash_token(token))
        events = await join_by_invite(invite, await account.actor, rules_version=rules_version, now=now)
        await publish(site, events, now=now)
    return circle
