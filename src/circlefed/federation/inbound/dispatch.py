"""Federation: the dispatch table: (activity type, object type) to the handler that gives the activity meaning."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from circlefed.federation.inbound.context import HandlerContext, ignore
from circlefed.protocol.parse import ACTOR_TYPES
from circlefed.protocol.posts import POST_TYPES

log = logging.getLogger(__name__)

Handler = Callable[[HandlerContext, dict], Awaitable[None]]
ANY = "*"  # the object type when no exact entry matches (or the object is only an id)


def _table() -> dict[tuple[str, str], Handler]:
    from circlefed.federation.inbound.handlers import (
        announce,
        create,
        delete,
        flag,
        follow,
        moderation,
        reactions,
        resolve,
        responses,
        undo,
        update,
    )

    table: dict[tuple[str, str], Handler] = {
        ("Follow", ANY): follow.handle,
        ("Undo", "Follow"): follow.handle_undo,
        ("Undo", "Like"): reactions.handle_undo,
        ("Undo", "Dislike"): reactions.handle_undo,
        ("Undo", ANY): undo.handle,
        ("Accept", ANY): responses.handle_accept,
        ("Reject", ANY): responses.handle_reject,
        ("Delete", ANY): delete.handle,
        ("Announce", ANY): announce.handle,
        ("Like", ANY): reactions.handle,
        ("Dislike", ANY): reactions.handle,
        ("Lock", ANY): moderation.handle_lock,
        ("Undo", "Lock"): moderation.handle_undo_lock,
        ("Block", ANY): moderation.handle_block,
        ("Undo", "Block"): moderation.handle_undo_block,
        ("Add", ANY): moderation.handle_collection_change,
        ("Remove", ANY): moderation.handle_collection_change,
        ("Flag", ANY): flag.handle,
        ("Resolve", ANY): resolve.handle,
    }
    for kind in POST_TYPES:
        table["Create", kind] = create.handle
        table["Update", kind] = update.handle
    for kind in ACTOR_TYPES:
        table["Update", kind] = update.handle_actor
    return table


_TABLE: dict[tuple[str, str], Handler] = {}


def object_type(activity: dict) -> str:
    embedded = activity.get("object")
    kind = embedded.get("type") if isinstance(embedded, dict) else None
    return kind if isinstance(kind, str) else ANY


def handler_for(activity: dict) -> Handler | None:
    if not _TABLE:
        _TABLE.update(_table())
    kind = activity.get("type")
    if not isinstance(kind, str):
        return None
    return _TABLE.get((kind, object_type(activity))) or _TABLE.get((kind, ANY))


async def dispatch(ctx: HandlerContext, activity: dict) -> None:
    """Run the handler for this activity; unknown kinds are done with a log line, not an error."""
    handler = handler_for(activity)
    if handler is None:
        ignore(activity, "no handler for (%s, %s)", activity.get("type"), object_type(activity))
        return
    await handler(ctx, activity)
