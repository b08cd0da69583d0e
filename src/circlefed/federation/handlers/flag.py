"""Federation: Flag (a report) to a circle hosted here, from Lemmy-style members or a Mastodon instance actor."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from circlefed.domain.reports import file_report
from circlefed.federation.context import HandlerContext, Refused, ignore
from circlefed.federation.lookup import addressed_local_circle, find_post, thread_and_circle
from circlefed.protocol.moderation import references, text_field
from circlefed.protocol.parse import reference_id
from circlefed.storage.models import Actor, Circle, Post, Thread

MAX_FLAGGED = 20


async def handle(ctx: HandlerContext, activity: dict) -> None:
    """SPEC: PROTOCOL.md moderation: `Flag{to: [circle], object: post or person, summary}` (Lemmy) or
    `Flag{object: [account, statuses...], content}` from an `Application` (Mastodon): stored for the circle's
    facilitators (or, when no circle is concerned, the admins); a circle hosted here forwards it."""
    uris = references(activity.get("object"))[:MAX_FLAGGED]
    if not uris:
        raise Refused("a Flag names nothing")
    posts = [row for row in [await find_post(uri) for uri in uris] if row is not None]
    known_actors = {actor.uri: actor for actor in await Actor.filter(uri__in=uris)}
    people = [known_actors[uri] for uri in uris if uri in known_actors]
    if not posts and not people:
        return ignore(activity, "it reports nothing known here")
    circle = await _circle(ctx, activity, posts)
    reported = await Actor.get(id=posts[0].author_id) if posts else people[0]
    known = [row.uri for row in posts] + [actor.uri for actor in people]
    async with in_transaction():
        event = await file_report(
            circle, ctx.actor, object_uris=known, reported_actor=reported,
            reason=text_field(activity, "summary", "content"), now=ctx.now, activity_uri=activity["id"],
        )
        if event is None:
            return ignore(activity, "already reported")
        await ctx.publish([event])
    return None


async def _circle(ctx: HandlerContext, activity: dict, posts: list[Thread | Post]) -> Circle | None:
    """The circle the report is for: the announcing Group's, the one addressed, or the reported post's."""
    found = [circle for _, circle in [await thread_and_circle(row) for row in posts]]
    if ctx.via is not None:
        if any(circle.id != ctx.via.id for circle in found):
            raise Refused("the report concerns another circle than the one announcing it")
        return ctx.via
    addressed = [reference_id(value) for value in _list(activity.get("to")) + _list(activity.get("audience"))]
    circle = await addressed_local_circle([uri for uri in addressed if uri])
    if circle is not None and any(other.id != circle.id for other in found):
        raise Refused("the reported posts are not in the circle the report is addressed to")
    return circle or (found[0] if found else None)


def _list(value: object) -> list:
    return value if isinstance(value, list) else [value] if value is not None else []
