"""Domain: invitations to one circle: a facilitator's single-use link with which a person joins at once, without
waiting for approval (and registers on this instance first, if need be)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from circlefed.domain import invites, modlog
from circlefed.domain.invites import DEFAULT_LIFETIME, CreatedInvite, create_invite, find_usable_invite
from circlefed.domain.memberships import approve_membership, can_moderate, membership_of, request_join
from circlefed.domain.moderation import check_moderator
from circlefed.errors import BadRequest, Conflict
from circlefed.storage.models import Account, Actor, Circle, Invite, MembershipState

log = logging.getLogger(__name__)
INVITE_TO_CIRCLE = "invite_to_circle"  # moderation log action, stable like those in modlog.py


async def invite_to_circle(
    circle: Circle, by: Account, *, now: datetime, note: str = "", expires_in: timedelta = DEFAULT_LIFETIME
) -> CreatedInvite:
    """A facilitator (or an admin) makes a link to `circle`; logged, without the token."""
    inviter = await by.actor
    await check_moderator(circle, inviter)
    if not circle.is_local:
        raise BadRequest("invitations are made by the instance that hosts the circle")
    created = await create_invite(by, now=now, note=note, circle=circle, expires_in=expires_in)
    group = await Actor.get(id=circle.actor_id)
    await modlog.record(circle, inviter, INVITE_TO_CIRCLE, target_uri=group.uri, reason=note[:255], now=now)
    return created


async def invited_circle(token: str, now: datetime) -> Circle | None:
    """The circle a usable invitation leads to; None for an invitation to the instance; BadRequest if unusable."""
    invite = await find_usable_invite(token, now)
    if invite.circle_id is None:  # type: ignore[attr-defined]
        return None
    await _check_inviter(invite)
    return await invite.circle


async def join_by_invite(invite: Invite, actor: Actor, *, rules_version: int | None, now: datetime) -> list:
    """`actor` joins the invitation's circle at once, accepting the ground rules of `rules_version`: the events
    of the join (and of its approval by the inviter, for a circle that approves each join). The caller has
    claimed the invitation (invites.redeem_invite) in the same transaction."""
    circle = await invite.circle
    inviter = await _check_inviter(invite)
    current = await membership_of(circle, actor)
    if current is not None and current.state is MembershipState.APPROVED:
        raise Conflict("you are already in this circle")
    try:
        outcome = await request_join(circle, actor, acknowledged_rules_version=rules_version, now=now)
    except Conflict as exc:  # the rules changed since the page was shown
        raise BadRequest(exc.message) from None
    events: list = list(outcome.events)
    if outcome.state is MembershipState.PENDING:
        events.append(await approve_membership(circle, actor, by=inviter, now=now))
    log.info("invite %d: actor %s joined circle %s", invite.id, actor.id, circle.id)
    return events


async def _check_inviter(invite: Invite) -> Actor:
    """An invitation is only as good as its maker: once they no longer facilitate the circle, it stops working."""
    account = await invite.created_by
    inviter = await account.actor if account is not None else None
    if inviter is None or account.is_disabled or not await can_moderate(await invite.circle, inviter):
        log.info("invite %d refused: its maker no longer moderates the circle", invite.id)
        raise BadRequest(invites.INVALID)
    return inviter
