"""Domain: a member deletes their account: their posts become tombstones, their private messages go, memberships
end, the login and every app's access go."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from circlefed.domain import events as ev
from circlefed.domain.memberships import facilitators, leave_circle
from circlefed.domain.pseudonyms import pseudonym_key, pseudonym_name
from circlefed.domain.replies import delete_reply
from circlefed.domain.threads import delete_thread
from circlefed.errors import Conflict
from circlefed.storage.models import (
    Account,
    Actor,
    Circle,
    CircleName,
    Membership,
    MembershipState,
    Message,
    OAuthCode,
    OAuthToken,
    Post,
    Reaction,
    Role,
    Thread,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountErased:
    """What the erasure did; identities: the member's Person and its per-circle pseudonyms, each to be deleted
    wherever other instances know it; object_uris: every thread and reply they wrote (to find who holds copies);
    events: what it publishes (an Outcome, domain/events.py)."""

    actor: Actor
    identities: list[Actor]
    object_uris: list[str]
    events: list[ev.Event]


async def check_may_delete_account(account: Account) -> None:
    """A circle always keeps a facilitator: its last one must hand over before leaving for good."""
    actor_id = account.actor_id  # type: ignore[attr-defined]
    led = Membership.filter(actor_id=actor_id, role=Role.FACILITATOR, state=MembershipState.APPROVED)
    for membership in await led.prefetch_related("circle"):
        if len(await facilitators(membership.circle)) <= 1:
            raise Conflict(
                f"You are the only facilitator of the circle “{membership.circle.name}”. Make another member "
                "facilitator first, then delete your account."
            )


async def erase_account(account: Account, *, now: datetime) -> AccountErased:
    """Tombstone every thread and reply of the member, end their memberships, drop their reactions and private
    messages, delete the account and blank the actor (kept, marked deleted, so that its key signs the Delete and
    its name stays taken). Call inside the transaction that publishes the returned events."""
    await check_may_delete_account(account)
    actor = await Actor.get(id=account.actor_id)  # type: ignore[attr-defined]
    identities = [actor, *await _pseudonyms(actor)]
    events: list[ev.Event] = []
    object_uris: list[str] = []
    for thread in await Thread.filter(author_id=actor.id).order_by("id"):
        object_uris.append(thread.uri)
        if thread.deleted_at is None:
            events.append(await delete_thread(thread, actor, now=now))
    for post in await Post.filter(author_id=actor.id).order_by("id"):
        object_uris.append(post.uri)
        if post.deleted_at is None:
            events.append(await delete_reply(post, actor, now=now))
    for membership in await Membership.filter(actor_id=actor.id).prefetch_related("circle"):
        if membership.state is not MembershipState.REJECTED:
            events.append(await leave_circle(membership.circle, actor))
    await Membership.filter(actor_id=actor.id).delete()
    await CircleName.filter(actor_id=actor.id).delete()  # the names they chose, kept for joining again
    await Reaction.filter(actor_id=actor.id).delete()
    await Message.filter(author_id=actor.id).delete()  # the other person keeps their own words only
    await OAuthToken.filter(account_id=account.id).delete()  # every app's access ends with the account
    await OAuthCode.filter(account_id=account.id).delete()
    await account.delete()
    for identity in identities:
        identity.display_name, identity.summary, identity.deleted_at = "", "", now
        await identity.save(update_fields=["display_name", "summary", "deleted_at", "updated_at"])
    log.info("account %s deleted: %d posts tombstoned", account.id, len(object_uris))
    return AccountErased(actor=actor, identities=identities, object_uris=object_uris, events=events)


async def _pseudonyms(actor: Actor) -> list[Actor]:
    """The per-circle pseudonymous actors this member appeared as (see domain/pseudonyms.py), in every circle
    known here, not only those they are in: a circle they left keeps the name (other instances hold copies of
    what they wrote under it)."""
    key = await pseudonym_key()
    names = [await pseudonym_name(circle, actor, key) for circle in await Circle.all()]
    if not names:
        return []
    return await Actor.filter(local_name__in=names, is_local=True, type="Person").exclude(id=actor.id)
