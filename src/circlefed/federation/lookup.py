"""Federation: finding the stored rows an activity names: circles by actor id, threads and replies by object id."""

from __future__ import annotations

from collections.abc import Iterable

from circlefed.storage.models import Circle, Post, Thread, Visibility


async def circle_of_actor(actor_id: int) -> Circle | None:
    return await Circle.get_or_none(actor_id=actor_id)


async def local_circle(uri: str | None) -> Circle | None:
    """A circle hosted here that other instances may see (not a `local` one), by its actor id."""
    if not uri:
        return None
    circle = await Circle.get_or_none(actor__uri=uri, is_local=True)
    if circle is None or circle.visibility is Visibility.LOCAL:
        return None
    return circle


async def addressed_local_circle(addresses: Iterable[str]) -> Circle | None:
    """The first circle hosted here among the addresses (to, cc, audience)."""
    for address in dict.fromkeys(addresses):
        circle = await local_circle(address)
        if circle is not None:
            return circle
    return None


async def find_post(uri: str | None) -> Thread | Post | None:
    """The thread or reply stored under this object id, deleted ones included."""
    if not uri:
        return None
    return await Thread.get_or_none(uri=uri) or await Post.get_or_none(uri=uri)


async def thread_and_circle(row: Thread | Post) -> tuple[Thread, Circle]:
    thread = row if isinstance(row, Thread) else await Thread.get(id=row.thread_id)
    return thread, await Circle.get(id=thread.circle_id)
