"""Federation: which inboxes an activity goes to: a circle's remote members (shared inboxes once), or one actor."""

from __future__ import annotations

from circlefed.storage.models import Actor, Circle, Membership, MembershipState, Visibility


async def follower_inboxes(circle: Circle) -> list[str]:
    """The shared inbox (else the inbox) of every approved remote member, each once, in join order.

    SPEC: fep-1b12 announce: the Group's followers are its approved members; local ones read the database."""
    rows = await (
        Membership.filter(circle_id=circle.id, state=MembershipState.APPROVED, actor__is_local=False)
        .order_by("id")
        .values_list("actor__shared_inbox_uri", "actor__inbox_uri")
    )
    return list(dict.fromkeys(shared or inbox for shared, inbox in rows if shared or inbox))


def personal_inbox(actor: Actor) -> list[str]:
    """An actor's own inbox (for Follow, Accept and content sent to one remote circle)."""
    return [actor.inbox_uri] if actor.inbox_uri else []


async def instances_knowing_member(actor: Actor) -> list[str]:
    """The inboxes that know a local member's own Person: the followers of public circles here they belong to,
    and the hosts of circles elsewhere they joined (their Follow came from that Person). Members circles here
    show other instances a pseudonym, never the Person: none of theirs."""
    inboxes: list[str] = []
    memberships = Membership.filter(actor_id=actor.id, state=MembershipState.APPROVED).prefetch_related("circle")
    for membership in await memberships:
        circle = membership.circle
        if circle.is_local and circle.visibility is Visibility.PUBLIC:
            inboxes += await follower_inboxes(circle)
        elif not circle.is_local:
            group = await Actor.get(id=circle.actor_id)  # type: ignore[attr-defined]
            inbox = group.shared_inbox_uri or group.inbox_uri
            inboxes += [inbox] if inbox else []
    return list(dict.fromkeys(inboxes))
