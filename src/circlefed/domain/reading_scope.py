"""Domain: what one reader may read across circles now, as query filters: domain/read_rule.py's rule for many
circles at once (the circles they joined, public circles' public rows), for timelines and search."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import Enum

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from circlefed.domain.read_rule import readable_audiences, reader_level_of
from circlefed.storage.models import Actor, Circle, Membership, MembershipState, Post, ReviewState, Thread, Visibility
from circlefed.storage.visibility import hidden_instance_ids


class PublicCircles(Enum):
    """Which public circles' public rows a scope reads besides the circles it names."""

    NONE = "none"
    LOCAL = "local"  # circles hosted here: what anyone may read
    ALL = "all"  # also remote public circles stored here: what any member of this instance may read


@dataclass(frozen=True)
class Scope:
    """Rows a reader may read: in each group, those circles' rows written for those audiences; the public circles'
    public rows; the reader's own rows waiting for a facilitator (theirs alone); never by hidden instances."""

    groups: tuple[tuple[tuple[Visibility, ...], tuple[int, ...]], ...] = ()
    public: PublicCircles = PublicCircles.NONE
    reader_id: int | None = None
    hidden: tuple[int, ...] = ()  # storage/visibility.py hidden_instance_ids(public=True): listings leave them out

    @property
    def is_empty(self) -> bool:
        return not self.groups and self.public is PublicCircles.NONE

    def threads(self) -> QuerySet[Thread]:
        """The threads of the scope the reader may see now (deleted ones are gone)."""
        rows = Thread.filter(self._where(""), self._shown(""), deleted_at=None)
        return rows.exclude(author__instance_id__in=list(self.hidden)) if self.hidden else rows

    def replies(self) -> QuerySet[Post]:
        """The replies of the scope the reader may see now, in threads they may see now."""
        rows = Post.filter(self._where("thread__"), self._shown(""), self._shown("thread__"), deleted_at=None)
        rows = rows.filter(thread__deleted_at=None)
        if self.hidden:
            hidden = list(self.hidden)
            rows = rows.exclude(author__instance_id__in=hidden).exclude(thread__author__instance_id__in=hidden)
        return rows

    def _where(self, thread: str) -> Q:
        """Circle and audience of the row (`thread` "": a thread; "thread__": a reply, and its thread's too)."""
        options = []
        for audiences, circle_ids in self.groups:
            audience = {"audience__in": list(audiences)}
            if thread:
                audience[f"{thread}audience__in"] = list(audiences)
            options.append(Q(**{f"{thread}circle_id__in": list(circle_ids)}, **audience))
        if self.public is not PublicCircles.NONE:
            public = {f"{thread}circle__visibility": Visibility.PUBLIC, "audience": Visibility.PUBLIC}
            if thread:
                public[f"{thread}audience"] = Visibility.PUBLIC
            if self.public is PublicCircles.LOCAL:
                public[f"{thread}circle__is_local"] = True
            options.append(Q(**public))
        if not options:
            return Q(id__in=[])
        return Q(*options, join_type=Q.OR)

    def _shown(self, prefix: str) -> Q:
        """Published rows, and the reader's own held or declined ones (domain/read_rule.py: theirs alone)."""
        visible = Q(**{f"{prefix}review_state": ReviewState.VISIBLE})
        if self.reader_id is None:
            return visible
        return visible | Q(**{f"{prefix}author_id": self.reader_id})


async def joined_scope(actor: Actor) -> Scope:
    """The circles the member joined (approved, here or elsewhere) with all they may read there; a ban or leaving
    takes a circle out at once (its membership is no longer approved, or gone)."""
    memberships = await Membership.filter(actor_id=actor.id, state=MembershipState.APPROVED).select_related("circle")
    groups: dict[tuple[Visibility, ...], list[int]] = defaultdict(list)
    for membership in memberships:
        audiences = readable_audiences(membership.circle, reader_level_of(actor, membership))
        if audiences:
            groups[tuple(audiences)].append(membership.circle.id)
    return Scope(
        groups=tuple((audiences, tuple(ids)) for audiences, ids in groups.items()),
        reader_id=actor.id,
        hidden=tuple(await hidden_instance_ids(public=True)),
    )


async def public_scope() -> Scope:
    """This instance's public circles' public rows, published ones only: the public timeline, whoever reads."""
    return Scope(public=PublicCircles.LOCAL, hidden=tuple(await hidden_instance_ids(public=True)))


async def reader_scope(actor: Actor | None) -> Scope:
    """Everything a reader may read now: the circles they joined, and public circles' public rows (remote ones
    stored here for members of this instance only, as their pages are); for nobody, this instance's public ones."""
    if actor is None:
        return await public_scope()
    joined = await joined_scope(actor)
    return Scope(groups=joined.groups, public=PublicCircles.ALL, reader_id=actor.id, hidden=joined.hidden)


async def circles_of(rows: list[Thread | Post]) -> tuple[dict[int, Thread], dict[int, Circle]]:
    """The threads these rows belong to (a thread to itself) and their circles, by id, in two queries."""
    threads = {row.id: row for row in rows if isinstance(row, Thread)}
    wanted = {row.thread_id for row in rows if isinstance(row, Post)} - threads.keys()  # type: ignore[attr-defined]
    if wanted:
        threads |= {thread.id: thread for thread in await Thread.filter(id__in=list(wanted))}
    circle_ids = list({thread.circle_id for thread in threads.values()})  # type: ignore[attr-defined]
    circles = {circle.id: circle for circle in await Circle.filter(id__in=circle_ids)} if circle_ids else {}
    return threads, circles
