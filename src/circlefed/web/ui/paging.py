"""Web UI: stable keyset paging: opaque cursors of (sort key, id), newest first."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from aiohttp import web
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from circlefed.errors import BadRequest

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 25
Key = datetime | int | str


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(key: Key, id: int) -> str:
    """An opaque, URL-safe cursor pointing just after the row (key, id)."""
    if isinstance(key, datetime):
        tagged = ["d", key.isoformat()]
    elif isinstance(key, int):
        tagged = ["i", key]
    else:
        tagged = ["s", key]
    raw = json.dumps([*tagged, id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Key, int]:
    """(key, id) from a cursor; BadRequest (400) for anything this site did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, value, id = json.loads(raw)
        key = _untag(tag, value)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequest("This page link is broken or out of date. Go back to the first page.") from exc
    if not isinstance(id, int) or isinstance(id, bool):
        raise BadRequest("This page link is broken or out of date. Go back to the first page.")
    return key, id


def _untag(tag: Any, value: Any) -> Key:
    if tag == "d" and isinstance(value, str):
        when = datetime.fromisoformat(value)
        if when.tzinfo is None:
            raise ValueError("cursor time without a zone")
        return when
    if tag == "i" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tag == "s" and isinstance(value, str):
        return value
    raise ValueError("unknown cursor shape")


async def keyset_page(
    queryset: QuerySet[Any], key: str, cursor: str | None, *, limit: int = DEFAULT_PAGE_SIZE
) -> Page[Any]:
    """One page of `queryset` ordered by `key` then id, newest first, starting after `cursor` (None: the first page).

    Stable under inserts: a new row never shifts a later page, unlike OFFSET paging.
    """
    if cursor:
        after_key, after_id = decode_cursor(cursor)
        queryset = queryset.filter(Q(**{f"{key}__lt": after_key}) | Q(**{key: after_key, "id__lt": after_id}))
    rows = await queryset.order_by(f"-{key}", "-id").limit(limit + 1)
    items = rows[:limit]
    next_cursor = encode_cursor(getattr(items[-1], key), items[-1].id) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


def cursor_param(request: web.Request) -> str | None:
    """The `after` query parameter (the cursor), or None on the first page."""
    return request.query.get("after") or None


def page_url(request: web.Request, cursor: str | None) -> str | None:
    """This page's URL with `after` set to `cursor` (other query parameters kept), or None at the end."""
    if cursor is None:
        return None
    return str(request.rel_url.update_query({"after": cursor}))
