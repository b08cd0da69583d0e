"""CLI: `circlefed dev seed`: a realistic instance for benchmarks and the query-plan test, built with bulk inserts.

The first member, each circle, and the first thread and reply of each circle are made by the real code paths
(accounts, circles, posting, the Group's Announces); every other row copies their shapes: members share the
first one's password and key (this is for development only), threads and replies get fresh ids, their
Announces are the real ones with the ids replaced, and one post in five gets a like. One more circle stays
empty (the "small circle" whose page must not pay for the big ones).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.models import Model

from circlefed.cli.common import count_int, database, positive_int, settings_from_args, site_for
from circlefed.clock import Clock
from circlefed.domain.accounts import create_account
from circlefed.domain.circles import create_circle
from circlefed.domain.site import Site
from circlefed.errors import BadRequest
from circlefed.services import posting
from circlefed.storage.bulk import after_explicit_ids, bulk_loading, insert_rows, next_free_id
from circlefed.storage.models import (
    Account,
    Actor,
    Circle,
    Membership,
    MembershipState,
    OutboxActivity,
    Post,
    Reaction,
    ReactionKind,
    Thread,
)

SEED_PASSWORD = "seeded-member-password"  # noqa: S105 - development data, printed to whoever seeds
BATCH = 2_000
SMALL_CIRCLE = "smallcircle"
# An Announce shape's URI (unique across the instances one process seeds, unlike its row id) -> its JSON text.
_SHAPE_TEXTS: dict[str, str] = {}


@dataclass(frozen=True)
class SeedSize:
    circles: int
    threads: int  # in all circles together
    posts: int  # replies, in all threads together
    members: int


def register(subparsers) -> None:
    parser = subparsers.add_parser("dev", help="development tools (never on a production instance)")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    seed = sub.add_parser("seed", help="fill an empty instance with realistic circles, threads and replies")
    seed.add_argument("--circles", type=positive_int, default=2, help="public circles holding the threads (default 2)")
    seed.add_argument("--threads", type=positive_int, default=500, help="threads in all circles together (default 500)")
    seed.add_argument("--posts", type=count_int, default=10_000, help="replies in all threads together (default 10000)")
    seed.add_argument(
        "--members", type=positive_int, default=300, help="accounts, members of every circle (default 300)"
    )
    seed.set_defaults(run=seed_command)


async def seed_command(args) -> int:
    size = SeedSize(args.circles, args.threads, args.posts, args.members)
    settings = settings_from_args(args)
    started = time.monotonic()
    async with database(settings):
        await seed(site_for(settings), size)
    print(
        f"seeded {size.circles} circles (and the empty '{SMALL_CIRCLE}'), {size.threads} threads, {size.posts}"
        f" replies, {size.members} members in {time.monotonic() - started:.0f} s; every member's password:"
        f" {SEED_PASSWORD}"
    )
    return 0


async def seed(site: Site, size: SeedSize) -> list[Circle]:
    """Fill the instance; BadRequest when the sizes make no sense or it holds seeded data already."""
    if min(size.circles, size.threads, size.members) < 1 or size.posts < 0 or size.threads < size.circles:
        raise BadRequest("seed needs at least one circle, member and thread per circle, and no negative counts")
    if await Account.exists(username="seed0"):
        raise BadRequest("this instance is seeded already: seed an empty database")
    now = Clock().now()
    members = await _members(site, size.members)
    circles = [await create_circle(site, f"circle{n}", f"Seeded circle {n}", facilitator=members[0])
               for n in range(1, size.circles + 1)]
    await create_circle(site, SMALL_CIRCLE, "A small circle", facilitator=members[0])
    await _memberships(circles, members, now)
    async with bulk_loading(Post._meta.db):
        for index, circle in enumerate(circles):
            count = size.threads // size.circles + (index < size.threads % size.circles)
            await _circle_content(site, circle, members, count, size.posts * count // size.threads, now)
    return circles


async def _members(site: Site, count: int) -> list[Actor]:
    first = await create_account(site, "seed0", SEED_PASSWORD)
    model = await Actor.get(id=first.actor_id)  # type: ignore[attr-defined]
    await Actor.bulk_create([_member_like(model, site, f"seed{n}") for n in range(1, count)], batch_size=BATCH)
    created = {a.local_name: a for a in await Actor.filter(local_name__startswith="seed", type="Person")}
    await Account.bulk_create(
        [Account(username=f"seed{n}", password_hash=first.password_hash, actor_id=created[f"seed{n}"].id)
         for n in range(1, count)],
        batch_size=BATCH,
    )
    return [created[f"seed{n}"] for n in range(count)]


def _member_like(model: Actor, site: Site, name: str) -> Actor:
    uri = site.uris.member(name)
    return Actor(
        uri=uri, type="Person", instance_id=model.instance_id, is_local=True,  # type: ignore[attr-defined]
        local_name=name, preferred_username=name, display_name=name, inbox_uri=site.uris.inbox(uri),
        outbox_uri=site.uris.outbox(uri), followers_uri=site.uris.followers(uri), public_key_id=site.uris.key_id(uri),
        public_key_pem=model.public_key_pem, private_key_pem=model.private_key_pem,
    )


async def _memberships(circles: list[Circle], members: list[Actor], now: datetime) -> None:
    rows = [
        Membership(circle_id=circle.id, actor_id=member.id, state=MembershipState.APPROVED, rules_acknowledged_at=now)
        for circle in circles
        for member in members[1:]  # the first facilitates them all already
    ]
    await Membership.bulk_create(rows, batch_size=BATCH)


async def _circle_content(
    site: Site, circle: Circle, members: list[Actor], count: int, replies_total: int, now: datetime
) -> None:
    """count threads in the circle with replies_total replies spread over them, oldest first; the newest thread
    and its reply are made by the real posting path, and give the others their Announce's shape. The rows carry
    their own ids, so that one batch is made while the one before is written."""
    per_thread, extra = divmod(max(0, replies_total - 1), max(1, count - 1))
    shapes = await _shapes(site, circle, members, now)
    content = _Content(site, circle, members, shapes, now - timedelta(minutes=count + 1),
                       await next_free_id(Thread), await next_free_id(Post))
    chunk = max(1, BATCH // (per_thread + 1))
    writer = _Writer()
    try:
        for start in range(0, count - 1, chunk):
            numbers = range(start, min(count - 1, start + chunk))
            await writer.write(content.batch({n: per_thread + (n < extra) for n in numbers}))
    finally:
        await writer.flush()
    await after_explicit_ids(Thread)
    await after_explicit_ids(Post)


class _Writer:
    """Writes one batch's rows in the background while the caller makes the next (one batch in flight)."""

    def __init__(self) -> None:
        self._pending: asyncio.Task | None = None

    async def write(self, tables: list[tuple[type[Model], list[dict]]]) -> None:
        await self.flush()
        self._pending = asyncio.ensure_future(self._insert(tables))

    async def flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            await pending

    @staticmethod
    async def _insert(tables: list[tuple[type[Model], list[dict]]]) -> None:
        for model, rows in tables:
            await insert_rows(model, rows)


async def _shapes(site: Site, circle: Circle, members: list[Actor], now: datetime) -> tuple[tuple, tuple]:
    opened = await posting.start_thread(
        site, circle, members[0], title="Welcome to the circle", source="Say hello, and read the ground rules.",
        content_warning=None, now=now)
    answered = await posting.reply(
        site, opened.thread, members[-1], source="Hello, glad to be here.", content_warning=None, now=now)
    return tuple(await _announces_of(opened.thread.uri)), tuple(await _announces_of(answered.post.uri))


@dataclass
class _Content:
    """One circle's seeded threads, replies, Announces and likes, as rows with their own ids."""

    site: Site
    circle: Circle
    members: list[Actor]
    shapes: tuple[tuple, tuple]
    first_moment: datetime
    first_thread_id: int
    next_post_id: int

    def batch(self, replies_by_thread: dict[int, int]) -> list[tuple[type[Model], list[dict]]]:
        """The rows of threads numbered by the keys (from 0, oldest first) with that many replies each."""
        thread_shapes, reply_shapes = self.shapes
        tokens = iter(fresh_tokens(len(replies_by_thread) * (1 + 2 * len(thread_shapes))
                                   + sum(replies_by_thread.values()) * (2 + 2 * len(reply_shapes))))
        uris = self.site.uris
        threads, posts, activities, likes = [], [], [], []
        for n, count in replies_by_thread.items():
            thread = self._thread(n, count, f"{uris.base}/t/{next(tokens)}")
            threads.append(thread)
            activities += [self._copy(shape, thread["uri"], tokens) for shape in thread_shapes]
            for k in range(count):
                post = self._reply(thread, k, f"{uris.base}/p/{next(tokens)}")
                posts.append(post)
                activities += [self._copy(shape, post["uri"], tokens) for shape in reply_shapes]
                if post["id"] % 5 == 0:
                    likes.append(self._like(post, f"{uris.base}/a/{next(tokens)}"))
        return [(Thread, threads), (Post, posts), (OutboxActivity, activities), (Reaction, likes)]

    def _thread(self, n: int, replies_count: int, uri: str) -> dict:
        at = self.first_moment + timedelta(minutes=n + 1)
        text = f"Opening post {n}: how the week went."
        return {"id": self.first_thread_id + n, "uri": uri, "circle_id": self.circle.id,
                "author_id": self.members[n % len(self.members)].id, "title": f"Thread {n} of {self.circle.slug}",
                "content_html": f"<p>{text}</p>", "source": text, "published_at": at,
                "last_activity_at": at + timedelta(seconds=replies_count)}

    def _reply(self, thread: dict, k: int, uri: str) -> dict:
        post_id, self.next_post_id = self.next_post_id, self.next_post_id + 1
        text = f"Reply {k} to thread {thread['id']}."
        return {"id": post_id, "uri": uri, "thread_id": thread["id"],
                "author_id": self.members[(thread["id"] + k + 1) % len(self.members)].id,
                "in_reply_to_uri": thread["uri"], "content_html": f"<p>{text}</p>", "source": text,
                "published_at": thread["published_at"] + timedelta(seconds=k + 1)}

    def _like(self, post: dict, activity_uri: str) -> dict:
        return {"actor_id": self.members[post["id"] % len(self.members)].id, "post_id": post["id"],
                "object_uri": post["uri"], "kind": ReactionKind.LIKE, "activity_uri": activity_uri,
                "created_at": post["published_at"]}

    def _copy(self, shape: OutboxActivity, object_uri: str, tokens: Iterator[str]) -> dict:
        """The Group's Announce of another object: the real one's payload with the object's and activities' ids
        replaced (the text stays that of the shape), as a row whose payload is already JSON text."""
        uri = f"{self.site.uris.base}/a/{next(tokens)}"
        text = _shape_text(shape).replace(shape.object_uri, object_uri).replace(shape.uri, uri)
        inner = shape.payload.get("object")
        if isinstance(inner, dict) and isinstance(inner.get("id"), str) and inner["id"] != shape.object_uri:
            text = text.replace(inner["id"], f"{self.site.uris.base}/a/{next(tokens)}")
        return {"uri": uri, "type": "Announce", "actor_id": shape.actor_id,  # type: ignore[attr-defined]
                "circle_id": self.circle.id, "object_uri": object_uri, "payload": text,
                "created_at": shape.created_at}


def fresh_tokens(count: int) -> list[str]:
    """count ids shaped as new_token makes them (16 URL-safe characters from 12 random bytes), drawn at once."""
    text = base64.urlsafe_b64encode(os.urandom(12 * count)).decode()
    return [text[i : i + 16] for i in range(0, 16 * count, 16)]


async def _announces_of(object_uri: str) -> list[OutboxActivity]:
    """The Group's Announces of a new object, oldest first: of its Create, and of the object itself."""
    return await OutboxActivity.filter(object_uri=object_uri, type="Announce").order_by("id")


def _shape_text(shape: OutboxActivity) -> str:
    """The shape's payload as JSON text, encoded once per shape (not once per copy)."""
    text = _SHAPE_TEXTS.get(shape.uri)
    if text is None:
        text = _SHAPE_TEXTS[shape.uri] = json.dumps(shape.payload)
    return text
