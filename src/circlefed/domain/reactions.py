"""Domain: Likes and Dislikes of threads and replies: counted per object, voters never shown."""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from circlefed.domain.events import ReactionAdded, ReactionRemoved
from circlefed.domain.memberships import is_member
from circlefed.errors import Forbidden, NotFound
from circlefed.storage.models import Actor, Circle, Post, Reaction, ReactionKind, Thread


async def react(
    circle: Circle, target: Thread | Post, actor: Actor, *, kind: ReactionKind, activity_uri: str, now: datetime
) -> ReactionAdded | None:
    """Count a reaction once per actor, object and kind; None when it was already counted."""
    if target.deleted_at is not None:
        raise NotFound("that post was deleted")
    if circle.is_local and not await is_member(circle, actor):
        raise Forbidden("only approved members of this circle can react to its posts")
    link = {"thread": target} if isinstance(target, Thread) else {"post": target}
    try:
        async with in_transaction():  # a savepoint: a duplicate must not abort the caller's transaction
            await Reaction.create(
                actor=actor, object_uri=target.uri, kind=kind, activity_uri=activity_uri, created_at=now, **link
            )
    except IntegrityError:
        return None
    return ReactionAdded(circle, actor, target.uri, kind.value, activity_uri)


async def withdraw_reaction(
    circle: Circle, actor: Actor, *, activity_uri: str | None, object_uri: str | None, kind: ReactionKind | None
) -> ReactionRemoved | None:
    """Undo a reaction, found by the id of the activity that made it or by (object, kind); None if unknown."""
    reaction = None
    if activity_uri is not None:
        reaction = await Reaction.get_or_none(actor_id=actor.id, activity_uri=activity_uri)
    if reaction is None and object_uri is not None and kind is not None:
        reaction = await Reaction.get_or_none(actor_id=actor.id, object_uri=object_uri, kind=kind)
    if reaction is None:
        return None
    await reaction.delete()
    return ReactionRemoved(circle, actor, reaction.object_uri, reaction.kind.value, reaction.activity_uri)


async def reaction_counts(object_uri: str) -> dict[str, int]:
    """{"like": n, "dislike": m} for one thread or reply: numbers only."""
    counts = {kind.value: 0 for kind in ReactionKind}
    for kind in ReactionKind:
        counts[kind.value] = await Reaction.filter(object_uri=object_uri, kind=kind).count()
    return counts


async def likes_of(uris: list[str], reader: Actor | None) -> tuple[dict[str, int], set[str]]:
    """For the rows a page or an app shows: each one's number of likes, and which of them the reader liked."""
    counts = dict(
        await Reaction.filter(object_uri__in=uris, kind=ReactionKind.LIKE)
        .annotate(n=Count("id"))
        .group_by("object_uri")
        .values_list("object_uri", "n")
    )
    if reader is None:
        return counts, set()
    mine = Reaction.filter(object_uri__in=uris, kind=ReactionKind.LIKE, actor_id=reader.id)
    return counts, set(await mine.values_list("object_uri", flat=True))
