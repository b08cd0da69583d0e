"""Federation: Announce by the Group of a remote circle joined from here: the relayed activity or object."""

from __future__ import annotations

from circlefed.federation.inbound import dispatch  # the table calls back here for relayed activities
from circlefed.federation.inbound.context import HandlerContext, Refused, ignore
from circlefed.federation.inbound.fetch import fetch_document
from circlefed.federation.inbound.handlers.create import store_in_circle
from circlefed.federation.lookup import circle_of_actor
from circlefed.federation.serve.documents import is_local_uri
from circlefed.policy.verdicts import Reject
from circlefed.protocol.parse import authority, is_http_url, reference_id, same_origin
from circlefed.protocol.posts import POST_TYPES, parse_post
from circlefed.storage.models import Circle, Membership, MembershipState, Visibility

# What a Group may relay (FEP-1b12: "works for any type"; private types such as Follow are not relayed).
RELAYED_ACTIVITIES = frozenset(
    {"Create", "Update", "Delete", "Like", "Dislike", "Undo", "Lock", "Block", "Add", "Remove", "Flag", "Resolve"}
)


async def handle(ctx: HandlerContext, activity: dict) -> None:
    """SPEC: fep-1b12 announce: accept Announce(Activity) and Announce(Object) from a followed circle's Group."""
    if ctx.via is not None:
        return ignore(activity, "an Announce inside an Announce")
    circle = await circle_of_actor(ctx.actor.id)
    if circle is None or circle.is_local:
        return ignore(activity, "actor %s is not a remote circle joined from here", ctx.actor.id)
    announced = activity.get("object")
    if not await has_local_members(circle) and not _is_group_delete(announced, ctx.actor.uri):
        # A circle's own Delete is applied even when our members have left: it takes back a copy we hold.
        return ignore(activity, "no member here belongs to circle actor %s", ctx.actor.id)
    if isinstance(announced, str):
        if is_local_uri(ctx.site, announced):
            return ignore(activity, "it announces our own object")
        announced = await fetch_document(ctx.federation, announced)
    if not isinstance(announced, dict):
        return ignore(activity, "the announced object is gone")
    kind = announced.get("type")
    if kind in POST_TYPES:
        return await _relayed_object(ctx, circle, announced)
    if kind in RELAYED_ACTIVITIES:
        return await _relayed_activity(ctx, circle, announced)
    return ignore(activity, "it announces a %s", str(kind)[:40])


def _is_group_delete(announced: object, group_uri: str) -> bool:
    return (
        isinstance(announced, dict)
        and announced.get("type") == "Delete"
        and reference_id(announced.get("actor")) == group_uri
    )


async def _relayed_object(ctx: HandlerContext, circle: Circle, document: dict) -> None:
    """Announce(Page|Note): the object, taken from its origin when that is not the Group's."""
    document = await _from_origin(ctx, circle, document)
    if document is None:
        return None
    post = parse_post(document)
    author = await ctx.federation.remote_actors.by_uri(post.author_uri)
    await store_in_circle(ctx.relayed(document, author, circle), document, post, author)
    return None


async def _relayed_activity(ctx: HandlerContext, circle: Circle, inner: dict) -> None:
    actor_uri = reference_id(inner.get("actor"))
    inner_id = inner.get("id")
    if not (actor_uri and is_http_url(actor_uri) and isinstance(inner_id, str) and same_origin(inner_id, actor_uri)):
        raise Refused("the announced activity's id and actor are not on one server")
    if is_local_uri(ctx.site, actor_uri):
        return ignore(inner, "our own activity, relayed back")
    verdict = await ctx.federation.domain_gate.origin(authority(actor_uri))
    if isinstance(verdict, Reject):
        # SPEC: PROTOCOL.md attack 23: a blocked actor's activity is refused even when a Group relays it
        raise Refused(f"{authority(actor_uri)} is blocked: {verdict.reason}")
    if inner["type"] in ("Create", "Update"):
        embedded = inner.get("object")
        object_uri = reference_id(embedded)
        if object_uri is None or not same_origin(object_uri, actor_uri):
            raise Refused("the announced object is not on its author's server")
        document = await _from_origin(ctx, circle, embedded if isinstance(embedded, dict) else {"id": object_uri})
        if document is None:
            return None
        inner = {**inner, "object": document}
    actor = await ctx.federation.remote_actors.by_uri(actor_uri)
    await dispatch.dispatch(ctx.relayed(inner, actor, circle), inner)
    return None


async def _from_origin(ctx: HandlerContext, circle: Circle, document: dict) -> dict | None:
    """SPEC: PROTOCOL.md attack 14: an embedded object is trusted only from the announcer's own server;
    any other is refetched from its origin. None when it is gone or is one of our own.

    A members circle is the exception: its posts are served only to the hosting instance (a member's server
    does not know who else belongs), so the hosting Group, which already decides what the circle holds,
    vouches for the copy it relays."""
    object_uri = document.get("id")
    if not isinstance(object_uri, str) or not is_http_url(object_uri):
        raise Refused("the announced object has no http(s) id")
    if is_local_uri(ctx.site, object_uri):
        ignore(document, "our own object, relayed back")
        return None
    if same_origin(object_uri, ctx.actor.uri) and "type" in document:
        return document
    if circle.visibility is not Visibility.PUBLIC and "type" in document:
        return document
    fetched = await fetch_document(ctx.federation, object_uri)
    if fetched is None:
        ignore(document, "gone at its origin")
    return fetched


async def has_local_members(circle: Circle) -> bool:
    """A remote circle whose Announces we take: at least one approved member here (Lemmy's anti-spam rule), or a
    banned one (the circle's Undo of the ban must reach us)."""
    states = [MembershipState.APPROVED, MembershipState.BANNED]
    return await Membership.exists(circle_id=circle.id, state__in=states, actor__is_local=True)
