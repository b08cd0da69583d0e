"""Federation: Flag (a report) to a circle hosted here, from Lemmy-style members or a Mastodon instance actor."""

from __future__ import annotations

import logging

from tortoise.transactions import in_transaction

from circlefed.domain.memberships import is_member
from circlefed.domain.reports import AlreadyReported, file_report, read_flag
from circlefed.federation.inbound.context import HandlerContext, Refused, ignore
from circlefed.federation.lookup import addressed_local_circle, find_post, thread_and_circle
from circlefed.policy.rate_limit import Throttled
from circlefed.protocol.moderation import references, report_category, text_field
from circlefed.protocol.parse import authority, reference_id
from circlefed.storage.models import Actor, Circle, Post, Thread

log = logging.getLogger(__name__)
MAX_FLAGGED = 20


async def handle(ctx: HandlerContext, activity: dict) -> None:
    """SPEC: PROTOCOL.md moderation: `Flag{to: [circle], object: post or person, summary}` (Lemmy) or
    `Flag{object: [account, statuses...], content}` from an `Application` (Mastodon): stored for the circle's
    facilitators (or, when no circle is concerned, the admins); a circle hosted here forwards it. Into a circle
    hosted here only from its approved members or the reported author's own instance, a few a minute per
    actor; `reportCategory` (circlefed's) says why, else the category is `other`."""
    if ctx.via is None:
        _check_rate(ctx)
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
    if ctx.via is None and circle is not None and circle.is_local:
        await _check_may_report(ctx, circle, reported)
    known = [row.uri for row in posts] + [actor.uri for actor in people]
    category, reason = read_flag(report_category(activity), text_field(activity, "summary", "content"))
    async with in_transaction():
        try:
            event = await file_report(
                circle, ctx.actor, object_uris=known, category=category, reported_actor=reported, reason=reason,
                now=ctx.now, activity_uri=activity["id"],
            )
        except AlreadyReported:
            return ignore(activity, "actor %s has an open report about it already", ctx.actor.id)
        if event is None:
            return ignore(activity, "already reported")
        await ctx.publish([event])
    return None


def _check_rate(ctx: HandlerContext) -> None:
    """A few reports a minute from one remote actor (60 in a second from anyone is not a report)."""
    limiter = ctx.site.safety.reports
    verdict = limiter.take(f"actor:{ctx.actor.id}") if limiter is not None else None
    if isinstance(verdict, Throttled):
        raise Refused(f"a Flag from actor {ctx.actor.id}: {verdict.reason}")


async def _check_may_report(ctx: HandlerContext, circle: Circle, reported: Actor) -> None:
    """Only an approved member of the circle, or the reported author's own instance (its moderators or its
    instance actor), reports into a circle hosted here."""
    if await is_member(circle, ctx.actor):
        return
    if not reported.is_local and authority(reported.uri) == authority(ctx.actor.uri):
        return
    log.info("refused a Flag into circle %s from actor %s about actor %s: not a member, not the author's "
             "instance", circle.id, ctx.actor.id, reported.id)
    raise Refused(f"a Flag into circle {circle.id} from actor {ctx.actor.id}: only the circle's members or the "
                  "reported author's instance report there")


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
