"""CLI: `circlefed dev seed`: a realistic instance for benchmarks and the query-plan test, built with bulk inserts.

The first member, each circle, and the first thread and reply of each circle are made by the real code paths
(accounts, circles, posting, the Group's Announces); every other row copies their shapes: members share the
first one's password and key (this is for development only), threads and replies get fresh ids, their
Announces are the real ones with the ids replaced, and one post in five gets a like. One more circle stays
empty (the "small circle" whose page must not pay for the big ones).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from circlefed.cli.common import count_int, database, positive_int, settings_from_args, site_for
from circlefed.clock import Clock
from circlefed.domain import replies, threads
from circlefed.domain.accounts import create_account
from circlefed.domain.circles import create_circle
from circlefed.domain.site import Site
from circlefed.errors import BadRequest
from circlefed.federation.actions import perform
from circlefed.protocol.uris import new_token
from circlefed.storage.bulk import insert_rows
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
_SHAPE_TEXTS: dict[int, str] = {}  # an Announce shape's id -> its payload as JSON text


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
    and its reply are made by the real posting path, and give the others their Announce's shape."""
    per_thread, extra = divmod(max(0, replies_total - 1), max(1, count - 1))
    moment = now - timedelta(minutes=count + 1)
    chunk = max(1, BATCH // (per_thread + 1))
    shapes = await _shapes(site, circle, members, now)
    for start in range(0, count - 1, chunk):
        numbers = range(start, min(count - 1, start + chunk))
        rows = {}
        for n in numbers:
            moment += timedelta(minutes=1)
            rows[site.uris.new_thread()] = (n, moment)
        await Thread.bulk_create([_thread(circle, members[n % len(members)], uri, n, at)
                                  for uri, (n, at) in rows.items()], batch_size=BATCH)
        stored = await Thread.filter(uri__in=list(rows))
        counts = {uri: per_thread + (n < extra) for uri, (n, _) in rows.items()}
        await _replies_of(site, circle, members, stored, counts, shapes)


async def _shapes(site: Site, circle: Circle, members: list[Actor], now: datetime) -> tuple[tuple, tuple]:
    opened = await perform(site, threads.start_thread(
        site, circle, members[0], title="Welcome to the circle", source="Say hello, and read the ground rules.",
        now=now), now=now)
    answered = await perform(site, replies.reply(
        site, opened.thread, members[-1], source="Hello, glad to be here.", now=now), now=now)
    return tuple(await _announces_of(opened.thread.uri)), tuple(await _announces_of(answered.post.uri))


def _thread(circle: Circle, author: Actor, uri: str, n: int, at: datetime) -> Thread:
    text = f"Opening post {n}: how the week went."
    return Thread(uri=uri, circle_id=circle.id, author_id=author.id, title=f"Thread {n} of {circle.slug}",
                  content_html=f"<p>{text}</p>", source=text, published_at=at, last_activity_at=at)


async def _replies_of(site: Site, circle: Circle, members: list[Actor], stored: list[Thread],
                      counts: dict[str, int], shapes: tuple[tuple, tuple]) -> None:
    thread_shapes, reply_shapes = shapes
    activities = [_copy(shape, thread.uri, circle, site) for thread in stored for shape in thread_shapes]
    posts = []
    for thread in stored:
        for k in range(counts[thread.uri]):
            text = f"Reply {k} to thread {thread.id}."
            posts.append({
                "uri": site.uris.new_post(), "thread_id": thread.id,
                "author_id": members[(thread.id + k + 1) % len(members)].id, "in_reply_to_uri": thread.uri,
                "content_html": f"<p>{text}</p>", "source": text,
                "published_at": thread.published_at + timedelta(seconds=k + 1),
            })
        thread.last_activity_at = thread.published_at + timedelta(seconds=counts[thread.uri])
    await insert_rows(Post, posts)
    likes = []
    written = Post.filter(uri__in=[post["uri"] for post in posts]).values_list("id", "uri", "published_at")
    for post_id, uri, published_at in await written:
        activities += [_copy(shape, uri, circle, site) for shape in reply_shapes]
        if post_id % 5 == 0:
            likes.append({"actor_id": members[post_id % len(members)].id, "post_id": post_id, "object_uri": uri,
                          "kind": ReactionKind.LIKE, "activity_uri": site.uris.new_activity(),
                          "created_at": published_at})
    await Thread.bulk_update(stored, fields=["last_activity_at"], batch_size=BATCH)
    await insert_rows(OutboxActivity, activities)
    await insert_rows(Reaction, likes)


async def _announces_of(object_uri: str) -> list[OutboxActivity]:
    """The Group's Announces of a new object, oldest first: of its Create, and of the object itself."""
    return await OutboxActivity.filter(object_uri=object_uri, type="Announce").order_by("id")


def _copy(shape: OutboxActivity, object_uri: str, circle: Circle, site: Site) -> dict:
    """The Group's Announce of another object: the real one's payload with the object's and activities' ids
    replaced (the text stays that of the shape), as a row whose payload is already JSON text."""
    uri = site.uris.new_activity()
    text = _shape_text(shape).replace(shape.object_uri, object_uri).replace(shape.uri, uri)
    inner = shape.payload.get("object")
    if isinstance(inner, dict) and isinstance(inner.get("id"), str) and inner["id"] != shape.object_uri:
        text = text.replace(inner["id"], f"{site.uris.base}/a/{new_token()}")
    return {"uri": uri, "type": "Announce", "actor_id": shape.actor_id,  # type: ignore[attr-defined]
            "circle_id": circle.id, "object_uri": object_uri, "payload": text, "created_at": shape.created_at}


def _shape_text(shape: OutboxActivity) -> str:
    """The shape's payload as JSON text, encoded once per shape (not once per copy)."""
    text = _SHAPE_TEXTS.get(shape.id)
    if text is None:
        text = _SHAPE_TEXTS[shape.id] = json.dumps(shape.payload)
    return text
