"""Web API: finding the status an app names, by the web pages' own read rule (member_access.py), and rendering
statuses as the reader may see them (status_render.py: authors named as the thread page names them, never more).
A request reading many statuses works out each circle's access once (Reading) and checks every row by the one
rule, readable_row."""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from circlefed.domain.directory import not_found
from circlefed.errors import NotFound
from circlefed.protocol import mastodon_ids as ids
from circlefed.storage.models import Account, Actor, Circle, Post, Thread
from circlefed.storage.visibility import hidden_instance_ids
from circlefed.web.api.auth import TOKEN
from circlefed.web.api.status_render import (
    authors_as_shown,
    circle_account_facts,
    render_page,
    status_id,
)
from circlefed.web.keys import CLOCK
from circlefed.web.ui.member_access import Access, access_for, may_see_row

__all__ = [  # with status_render.py's names the pages and other endpoints read from here
    "READING",
    "Readable",
    "Reading",
    "Viewer",
    "authors_as_shown",
    "circle_account_facts",
    "readable_row",
    "readable_status",
    "reading_of",
    "render_statuses",
    "source_text",
    "status_id",
    "viewer_of",
]


@dataclass(frozen=True)
class Viewer:
    """Who reads: the token's member, or nobody (no token, or an app-only one)."""

    account: Account | None
    actor: Actor | None


@dataclass(frozen=True)
class Readable:
    row: Thread | Post
    thread: Thread
    access: Access


async def viewer_of(request: web.Request) -> Viewer:
    token = request.get(TOKEN)
    account = token.account if token is not None else None
    if account is None:
        return Viewer(None, None)
    return Viewer(account, await Actor.get(id=account.actor_id))  # type: ignore[attr-defined]


class Reading:
    """One reader's reading at one moment: their access to each circle, worked out once, and the authors whose
    content is hidden (on a blocked domain: storage/visibility.py), the domain rules read once."""

    def __init__(self, viewer: Viewer, now: datetime) -> None:
        self.viewer, self.now = viewer, now
        self._accesses: dict[int, Access | None] = {}
        self._hidden_instances: list[int] | None = None

    async def access(self, circle: Circle) -> Access | None:
        """The viewer's access to the circle (member_access.access_for); None when they may not see it at all."""
        if circle.id not in self._accesses:
            try:
                self._accesses[circle.id] = await access_for(circle, self.viewer.account, self.viewer.actor, self.now)
            except NotFound:
                self._accesses[circle.id] = None
        return self._accesses[circle.id]

    async def hidden_authors(self, actor_ids: Iterable[int]) -> set[int]:
        """Those of these authors whose content is hidden everywhere (storage/visibility.py is_hidden_author)."""
        if self._hidden_instances is None:
            self._hidden_instances = await hidden_instance_ids(public=False)
        wanted = list(set(actor_ids))
        if not self._hidden_instances or not wanted:
            return set()
        hidden = Actor.filter(id__in=wanted, instance_id__in=self._hidden_instances)
        return set(await hidden.values_list("id", flat=True))


READING = web.RequestKey("api_reading", Reading)


def reading_of(request: web.Request, viewer: Viewer) -> Reading:
    """The request's Reading for this viewer (made once per request and viewer)."""
    reading = request.get(READING)
    if reading is None or _who(reading.viewer) != _who(viewer):
        reading = Reading(viewer, request.app[CLOCK].now())
        request[READING] = reading
    return reading


def _who(viewer: Viewer) -> tuple[int | None, int | None]:
    return (viewer.account.id if viewer.account else None, viewer.actor.id if viewer.actor else None)


def readable_row(row: Thread | Post, thread: Thread, access: Access, hidden: Set[int]) -> bool:
    """The thread page's read rule for one row of a thread (the thread itself too): the circle's content is the
    viewer's to read, neither the thread nor the row is deleted, both are for an audience the viewer may read now
    (held rows their author's alone), and neither author is hidden (`hidden`: Reading.hidden_authors)."""
    return (
        access.can_read
        and thread.deleted_at is None
        and row.deleted_at is None
        and may_see_row(thread, access)
        and may_see_row(row, access)
        and thread.author_id not in hidden  # type: ignore[attr-defined]
        and row.author_id not in hidden  # type: ignore[attr-defined]
    )


async def readable_status(raw: str, viewer: Viewer, now: datetime) -> Readable:
    """The thread or reply a status id names when the viewer may read it now (readable_row: the circle's level,
    the row's audience, bans, held rows for their author only, hidden instances); deleted ones are gone. Anything
    else raises the one NotFound a missing id raises too."""
    reading = Reading(viewer, now)
    ref = ids.parse_status_id(raw)
    row = await _row_named(ref) if ref is not None else None
    if row is None:
        raise not_found()
    thread = row if isinstance(row, Thread) else await Thread.get(id=row.thread_id)  # type: ignore[attr-defined]
    if thread.deleted_at is not None:
        raise not_found()
    access = await reading.access(await Circle.get(id=thread.circle_id))  # type: ignore[attr-defined]
    if access is None or not access.can_read:
        raise not_found()
    hidden = await reading.hidden_authors([thread.author_id, row.author_id])  # type: ignore[attr-defined]
    if not readable_row(row, thread, access, hidden):
        raise not_found()
    return Readable(row, thread, access)


async def _row_named(ref: ids.StatusRef) -> Thread | Post | None:
    """The live row published in the id's millisecond with its row bits (rows sharing both: the first)."""
    model: type[Thread] | type[Post] = Thread if ref.kind == "thread" else Post
    start, end = ref.window()
    rows = await model.filter(published_at__gte=start, published_at__lt=end, deleted_at=None).order_by("id")
    return next((row for row in rows if ref.names(row.id)), None)


def source_text(readable: Readable) -> str:
    """What the author wrote, as a status's text: a thread starts with its circle's mention and its title."""
    row = readable.row
    if not isinstance(row, Thread):
        return row.source
    circle = readable.access.circle
    mention = f"@{circle.slug} " if circle.is_local else ""
    return f"{mention}{row.title}\n\n{row.source}"


async def render_statuses(
    request: web.Request, access: Access, thread: Thread, rows: list[Thread | Post]
) -> list[dict]:
    """Statuses of one thread's rows as this viewer may see them."""
    return await render_page(request, [(row, thread, access) for row in rows])
