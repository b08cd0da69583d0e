"""Federation: which inboxes an activity goes to: a circle's remote members (shared inboxes once), or one actor."""

from __future__ import annotations

from circlefed.storage.models import Actor, Circle, Membership, MembershipState


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

