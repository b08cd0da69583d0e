"""Web: a member's outbox (the activities they sent, as the member or their pseudonym in a circle) and inbox (the
threads and replies of the circles they joined, read as the home timeline reads them: domain/reading_scope.py),
for the member's own apps only (read:statuses), as paged OrderedCollections newest first."""

from __future__ import annotations

import json

from aiohttp import web
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from circlefed.domain.directory import not_found
from circlefed.domain.reading_scope import joined_scope
from circlefed.domain.site import Site
from circlefed.domain.timelines import Window, candidates
from circlefed.federation.serve.documents import object_document
from circlefed.protocol.vocab import AS2_RESPONSE_CONTENT_TYPE, with_context
from circlefed.storage.models import OutboxActivity, Post, Thread
from circlefed.web.api.auth import bearer_required
from circlefed.web.api.paging import Page, page_of
from circlefed.web.api.status_views import status_id
from circlefed.web.api.statuses import refused_as_mastodon
from circlefed.web.c2s_member import Owner, owner_of, voices
from circlefed.web.keys import SITE

# What a member does that their outbox lists: their posts, edits, deletions, likes, follows and reports; never
# their messages (served to no one: web/objects.py) or the documents of their own actor.
OUTBOX_TYPES = ("Create", "Update", "Delete", "Like", "Undo", "Follow", "Flag")
# A member's own reading: never kept by a cache, never shared between tokens.
PRIVATE = {"Cache-Control": "private, no-store", "Vary": "Authorization, Accept"}


@bearer_required("read:statuses")
@refused_as_mastodon
async def outbox(request: web.Request) -> web.StreamResponse:
    owner = await _owner(request)
    uri = request.app[SITE].uris.outbox(owner.actor.uri)
    rows = await _outbox_rows(owner)
    if "page" not in request.query:
        return _answer(_collection(uri, await rows.count()))
    page = page_of(request)
    if page.max_id is not None:
        rows = rows.filter(id__lt=page.max_id)
    if page.lower is not None:
        rows = rows.filter(id__gt=page.lower)
    found = await rows.order_by("id" if page.min_id is not None else "-id").limit(page.limit)
    chosen = sorted(found, key=lambda row: row.id, reverse=True)
    items = [_without_context(row.payload) for row in chosen]
    return _answer(_page(uri, page, items, [row.id for row in chosen]))


@bearer_required("read:statuses")
@refused_as_mastodon
async def inbox(request: web.Request) -> web.StreamResponse:
    owner = await _owner(request)
    site = request.app[SITE]
    uri = site.uris.inbox(owner.actor.uri)
    scope = await joined_scope(owner.actor)
    if "page" not in request.query:
        total = 0 if scope.is_empty else await scope.threads().count() + await scope.replies().count()
        return _answer(_collection(uri, total))
    page = page_of(request)
    window = Window(page.max_id, page.lower, page.limit, oldest_first=page.min_id is not None)
    rows = {int(status_id(row)): row for row in await candidates(scope, window)}
    chosen = page.choose(list(rows))
    items = await _received(site, [rows[number] for number in chosen])
    return _answer(_page(uri, page, items, chosen))


async def _owner(request: web.Request) -> Owner:
    """Another member's outbox or inbox answers as a missing member's does."""
    owner = await owner_of(request)
    if owner is None:
        raise not_found()
    return owner


async def _outbox_rows(owner: Owner) -> QuerySet[OutboxActivity]:
    speakers = await voices(owner.actor)
    rows = OutboxActivity.filter(actor_id__in=[a.id for a in speakers], type__in=OUTBOX_TYPES)
    # In a circle, or a report (kept without one); an Update of one of their own actors is their profile's.
    rows = rows.filter(Q(circle_id__isnull=False) | Q(type="Flag"))
    return rows.exclude(type="Update", object_uri__in=[a.uri for a in speakers])


async def _received(site: Site, rows: list[Thread | Post]) -> list[dict]:
    """Each thread or reply as it stands now, in a Create by its author (with the Create's id where this
    instance sent it)."""
    sent = dict(
        await OutboxActivity.filter(type="Create", object_uri__in=[row.uri for row in rows] or [""])
        .order_by("id")
        .values_list("object_uri", "uri")
    )
    items = []
    for row in rows:
        document = await object_document(site, row, context=False)
        item = {"type": "Create", "actor": document.get("attributedTo"), "object": document}
        item |= {key: document[key] for key in ("published", "to", "cc", "audience") if key in document}
        items.append({"id": sent[row.uri], **item} if row.uri in sent else item)
    return items


def _collection(uri: str, total: int) -> dict:
    return with_context({
        "id": uri, "type": "OrderedCollection", "totalItems": total,
        "first": f"{uri}?page=true", "last": f"{uri}?page=true&min_id=0",
    })


def _page(uri: str, page: Page, items: list[dict], item_ids: list[int]) -> dict:
    """One page; `next` goes to older items when this one is full, `prev` to newer ones."""
    cursors = "".join(f"&{name}={value}" for name, value in (("max_id", page.max_id), ("min_id", page.min_id))
                      if value is not None)
    document = {"id": f"{uri}?page=true{cursors}", "type": "OrderedCollectionPage", "partOf": uri}
    if item_ids and len(item_ids) == page.limit:
        document["next"] = f"{uri}?page=true&max_id={item_ids[-1]}"
    if item_ids:
        document["prev"] = f"{uri}?page=true&min_id={item_ids[0]}"
    document["orderedItems"] = items
    return with_context(document)


def _without_context(payload: dict) -> dict:
    return {key: value for key, value in payload.items() if key != "@context"}


def _answer(document: dict) -> web.Response:
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return web.Response(body=body, headers={"Content-Type": AS2_RESPONSE_CONTENT_TYPE, **PRIVATE})
