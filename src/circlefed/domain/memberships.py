"""Domain: joining, approving, rejecting and leaving circles, and who is a member, facilitator or admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from circlefed.domain import modlog
from circlefed.domain.account_settings import chosen_name_back
from circlefed.domain.circles import group_uri
from circlefed.domain.events import (
    JoinApproved,
    JoinRejected,
    JoinRequested,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
)
from circlefed.domain.standing import check_current, check_not_banned, has_rules
from circlefed.errors import BadRequest, Conflict, Forbidden, NotFound
from circlefed.storage.models import Account, Actor, Circle, Membership, MembershipState, Role, Visibility


@dataclass(frozen=True)
class JoinOutcome:
    """What request_join did: the membership as it now stands and the events to publish (none for a no-op); an
    Outcome (domain/events.py), published as its events."""

    membership: Membership
    events: tuple[MemberJoined | JoinRequested, ...]

    @property
    def state(self) -> MembershipState:
        return self.membership.state

    @property
    def changed(self) -> bool:
        return bool(self.events)


async def request_join(
    circle: Circle,
    actor: Actor,
    *,
    follow_activity_uri: str | None = None,
    acknowledged_rules_version: int | None = None,
    now: datetime,
) -> JoinOutcome:
    """Join an open public circle at once; anything else (approval, confidential, remote) waits as pending.

    A local member joining a circle hosted here that has ground rules acknowledges their current version
    (`acknowledged_rules_version`); a remote member acknowledges them by following (FEDERATION.md).
    Asking again while pending or approved changes nothing but the remembered Follow id (peers resend
    Follows whose Accept they missed); a rejected actor may ask again.
    """
    _check_may_join(circle, actor)
    # A remote circle's ban is known here from its own Group's Block (federation/inbound/handlers/moderation.py).
    await check_not_banned(circle, actor, now)
    membership = await membership_of(circle, actor)
    if membership is not None and membership.state is MembershipState.BANNED:
        raise Conflict("your ban from this circle has ended; your place in it comes back within a minute")
    if membership is not None and membership.state is not MembershipState.REJECTED:
        await _remember_follow(membership, follow_activity_uri)
        return JoinOutcome(membership, ())
    acknowledged = _acknowledged_version(circle, actor, acknowledged_rules_version)
    state = MembershipState.APPROVED if _is_open(circle) else MembershipState.PENDING
    try:
        membership = await _save_request(circle, actor, membership, state, follow_activity_uri, now)
        if state is MembershipState.APPROVED:
            await _note_public_join(circle, membership)
        if acknowledged is not None:
            membership.rules_version_acknowledged, membership.rules_acknowledged_at = acknowledged, now
            await membership.save(update_fields=["rules_version_acknowledged", "rules_acknowledged_at"])
    except IntegrityError:
        # A concurrent request for the same actor won the insert; it already produced the events.
        return JoinOutcome(await Membership.get(circle=circle, actor=actor), ())
    kind = MemberJoined if state is MembershipState.APPROVED else JoinRequested
    event = kind(circle, actor, membership, follow_activity_uri, object_uri=await group_uri(circle))
    return JoinOutcome(membership, (event,))


async def approve_membership(
    circle: Circle, actor: Actor, *, by: Actor, now: datetime | None = None
) -> JoinApproved:
    """A facilitator, an admin of this instance or (for a remote circle's Accept) the circle itself approves."""
    await _check_may_decide(circle, by)
    membership = await _pending_request(circle, actor)
    membership.state = MembershipState.APPROVED
    await membership.save(update_fields=["state", "updated_at"])
    await _note_public_join(circle, membership)
    await _log_decision(circle, actor, by, modlog.APPROVE_JOIN, now)
    return JoinApproved(circle, by, actor, membership, membership.follow_activity_uri)


async def reject_membership(
    circle: Circle, actor: Actor, *, by: Actor, now: datetime | None = None, reason: str = ""
) -> JoinRejected:
    """Refuse a pending request (the row stays, rejected, so the decision is remembered); `reason` is logged."""
    await _check_may_decide(circle, by)
    membership = await _pending_request(circle, actor)
    membership.state = MembershipState.REJECTED
    await membership.save(update_fields=["state", "updated_at"])
    await _log_decision(circle, actor, by, modlog.REJECT_JOIN, now, reason)
    return JoinRejected(circle, by, actor, membership, membership.follow_activity_uri)


async def _note_public_join(circle: Circle, membership: Membership) -> None:
    """Remember who joined a circle hosted here while it was public: when it becomes confidential, its
    facilitators review them (they joined a circle anyone could read)."""
    if circle.is_local and circle.visibility is Visibility.PUBLIC and not membership.joined_while_public:
        membership.joined_while_public = True
        await membership.save(update_fields=["joined_while_public"])


async def _log_decision(
    circle: Circle, actor: Actor, by: Actor, action: str, now: datetime | None, reason: str = ""
) -> None:
    """A facilitator's decision on a circle hosted here is logged (a remote circle's answer is its own)."""
    if circle.is_local and by.id != circle.actor_id:
        await modlog.record(circle, by, action, target_uri=actor.uri, reason=reason, now=now or datetime.now(UTC))


async def leave_circle(circle: Circle, actor: Actor) -> MemberLeft:
    """Leave (or withdraw a pending request); a circle always keeps at least one facilitator."""
    membership = await membership_of(circle, actor)
    if membership is None or membership.state is MembershipState.REJECTED:
        raise NotFound("you are not a member of this circle")
    was_approved = membership.state is MembershipState.APPROVED
    async with in_transaction():
        if was_approved and membership.role is Role.FACILITATOR and len(await facilitators(circle)) <= 1:
            raise Conflict("the last facilitator cannot leave the circle: make another member facilitator first")
        await membership.delete()
    return MemberLeft(circle, actor, membership.follow_activity_uri, was_approved, object_uri=await group_uri(circle))


async def joined_while_public(circle: Circle) -> list[Membership]:
    """Approved members of a confidential circle hosted here who joined while it was public (actors loaded):
    its facilitators decide whether each stays (keep_member) or goes (remove_members)."""
    if not circle.is_local or circle.visibility is Visibility.PUBLIC:
        return []
    rows = Membership.filter(circle_id=circle.id, state=MembershipState.APPROVED, joined_while_public=True)
    return await rows.exclude(role=Role.FACILITATOR).order_by("id").select_related("actor")


async def remove_members(circle: Circle, people: list[Actor], *, by: Actor, now: datetime) -> list[MemberRemoved]:
    """Facilitators take members out of a circle hosted here (not facilitators: their role goes first); each
    may ask to join again. Logged one by one."""
    await _check_may_decide(circle, by)
    removed = []
    async with in_transaction():
        for person in people:
            membership = await membership_of(circle, person)
            if membership is None or membership.state is not MembershipState.APPROVED:
                continue
            if membership.role is Role.FACILITATOR:
                raise Conflict("a facilitator cannot be removed: make them a member again first")
            await membership.delete()
            await modlog.record(circle, by, modlog.REMOVE_MEMBER, target_uri=person.uri, now=now)
            removed.append(MemberRemoved(circle, by, person, membership.follow_activity_uri))
    return removed


async def keep_member(circle: Circle, person: Actor, *, by: Actor, now: datetime) -> bool:
    """A facilitator confirms that someone who joined while the circle was public stays; False: nothing to do."""
    await _check_may_decide(circle, by)
    changed = await Membership.filter(
        circle_id=circle.id, actor_id=person.id, state=MembershipState.APPROVED, joined_while_public=True
    ).update(joined_while_public=False)
    if changed:
        await modlog.record(circle, by, modlog.KEEP_MEMBER, target_uri=person.uri, now=now)
    return bool(changed)


async def membership_of(circle: Circle, actor: Actor) -> Membership | None:
    return await Membership.get_or_none(circle_id=circle.id, actor_id=actor.id)


async def is_member(circle: Circle, actor: Actor) -> bool:
    """An approved member, whatever the role."""
    return await Membership.exists(circle_id=circle.id, actor_id=actor.id, state=MembershipState.APPROVED)


async def is_facilitator(circle: Circle, actor: Actor) -> bool:
    return await Membership.exists(
        circle_id=circle.id, actor_id=actor.id, state=MembershipState.APPROVED, role=Role.FACILITATOR
    )


async def facilitators(circle: Circle) -> list[Actor]:
    return await _actors(circle, role=Role.FACILITATOR)


async def approved_members(circle: Circle) -> list[Actor]:
    """Approved members (facilitators included), in the order they joined."""
    return await _actors(circle)


async def pending_requests(circle: Circle) -> list[Actor]:
    return await _actors(circle, state=MembershipState.PENDING)


async def is_local_admin(actor: Actor) -> bool:
    """An enabled admin account of this instance."""
    if not actor.is_local:
        return False
    return await Account.exists(actor_id=actor.id, is_admin=True, is_disabled=False)


async def can_moderate(circle: Circle, actor: Actor) -> bool:
    """SPEC: PROTOCOL.md moderation: moderators are the circle's facilitators plus admins of its instance."""
    if await is_facilitator(circle, actor):
        return True
    return circle.is_local and await is_local_admin(actor)


def _acknowledged_version(circle: Circle, actor: Actor, version: int | None) -> int | None:
    """The rules version the new member acknowledged (None: the circle has no rules here to acknowledge)."""
    if not circle.is_local or not has_rules(circle):
        return None
    if actor.is_local:
        check_current(circle, version)
    return circle.rules_version  # a remote member acknowledges the rules by following


def _is_open(circle: Circle) -> bool:
    # A remote circle decides at its own instance: the local row waits for its Accept.
    return circle.is_local and circle.visibility is Visibility.PUBLIC and not circle.requires_approval


def _check_may_join(circle: Circle, actor: Actor) -> None:
    if not circle.is_local and not actor.is_local:
        raise BadRequest("members of other instances join a remote circle at its own instance")
    if circle.visibility is Visibility.LOCAL and not actor.is_local:
        raise Forbidden("this circle is open only to members of its own instance")
    if actor.id == circle.actor_id:
        raise BadRequest("a circle cannot join itself")


async def _save_request(
    circle: Circle,
    actor: Actor,
    membership: Membership | None,
    state: MembershipState,
    follow_activity_uri: str | None,
    now: datetime,
) -> Membership:
    if membership is not None:  # asking again after a rejection
        membership.state, membership.role = state, Role.MEMBER
        membership.follow_activity_uri = follow_activity_uri
        await membership.save(update_fields=["state", "role", "follow_activity_uri", "updated_at"])
        return membership
    async with in_transaction():  # a savepoint when nested: a lost race must not abort the caller's transaction
        membership = await Membership.create(
            circle=circle, actor=actor, state=state, follow_activity_uri=follow_activity_uri, created_at=now
        )
        await chosen_name_back(membership)
        return membership


async def _remember_follow(membership: Membership, follow_activity_uri: str | None) -> None:
    if follow_activity_uri and follow_activity_uri != membership.follow_activity_uri:
        membership.follow_activity_uri = follow_activity_uri
        await membership.save(update_fields=["follow_activity_uri", "updated_at"])


async def _check_may_decide(circle: Circle, by: Actor) -> None:
    if by.id == circle.actor_id or await can_moderate(circle, by):
        return
    raise Forbidden("only the circle's facilitators or an admin of its instance can decide on join requests")


async def _pending_request(circle: Circle, actor: Actor) -> Membership:
    membership = await membership_of(circle, actor)
    if membership is None:
        raise NotFound("there is no request to join this circle from that actor")
    if membership.state is MembershipState.APPROVED:
        raise Conflict("that actor is already a member of this circle")
    if membership.state is MembershipState.REJECTED:
        raise Conflict("that request was already rejected")
    if membership.state is MembershipState.BANNED:
        raise Conflict("that actor is banned from this circle")
    return membership


async def _actors(
    circle: Circle, *, role: Role | None = None, state: MembershipState = MembershipState.APPROVED
) -> list[Actor]:
    query = Membership.filter(circle_id=circle.id, state=state)
    if role is not None:
        query = query.filter(role=role)
    rows = await query.order_by("id").select_related("actor")
    return [row.actor for row in rows]
