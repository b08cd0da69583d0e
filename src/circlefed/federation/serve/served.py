"""Federation: which local objects, activities and circles are served at their ids, and to whom."""

from __future__ import annotations

from urllib.parse import quote

from circlefed.domain.directory import not_found
from circlefed.domain.read_rule import may_read_row, readable_audiences
from circlefed.errors import BadRequest
from circlefed.federation.confidential import ANONYMOUS, INSTANCE_ACTOR_TYPES, Viewer, canonical, reader_level
from circlefed.federation.lookup import find_post, thread_and_circle
from circlefed.policy.confidentiality import is_follower_verdict, is_fresh
from circlefed.policy.verdicts import Reject
from circlefed.protocol.objects import render_collection
from circlefed.protocol.parse import authority
from circlefed.storage.models import (
    Actor,
    Circle,
    Membership,
    MembershipState,
    OutboxActivity,
    Post,
    ReviewState,
    Thread,
    Visibility,
)
from circlefed.storage.visibility import is_hidden_author

# Activities served at their ids: content only. Follows and their answers would show who joined, and
# relayed reactions who voted (PROTOCOL.md attack 17), so they are delivered but never served.
SERVED_ACTIVITIES = frozenset({"Create", "Update", "Delete", "Announce"})
PRIVATE_ANNOUNCED = frozenset({"Like", "Dislike", "Undo", "Follow", "Accept", "Reject", "Flag", "Resolve"})


async def served_post(uri: str, viewer: Viewer = ANONYMOUS) -> tuple[Thread | Post, Circle]:
    """A thread or reply stored under this id, in a circle the viewer may read (federation/confidential.py);
    the same NotFound as a missing id otherwise (SPEC: PROTOCOL.md attack 15 and 21: a hidden object is
    indistinguishable from none)."""
    row = await find_post(uri)
    if row is None or row.review_state is not ReviewState.VISIBLE:  # held for review: not there yet
        raise not_found()
    _, circle = await thread_and_circle(row)
    if not may_read_row(circle, row, await reader_level(circle, viewer)):
        raise not_found()
    return row, circle


async def served_circle(slug: str, viewer: Viewer = ANONYMOUS) -> tuple[Circle, list[Visibility]]:
    """A circle hosted here whose collections the viewer may read, with the row audiences they may read in them:
    public ones for anyone, members ones for their fresh signed members only, local ones never (they do not
    exist outside this instance)."""
    circle = await Circle.get_or_none(slug=slug, is_local=True)
    if circle is None or circle.visibility is Visibility.LOCAL:
        raise not_found()
    audiences = readable_audiences(circle, await reader_level(circle, viewer))
    if not audiences:
        raise not_found()
    return circle, audiences


async def served_activity(uri: str, viewer: Viewer = ANONYMOUS) -> OutboxActivity:
    """A content activity of a circle the viewer may read whose object is still there (a Delete always is)."""
    activity = await OutboxActivity.get_or_none(uri=uri)
    if activity is None or activity.type not in SERVED_ACTIVITIES or activity.circle_id is None:
        raise not_found()
    announced = activity.payload.get("object")
    inner_type = announced.get("type") if isinstance(announced, dict) else None
    if inner_type in PRIVATE_ANNOUNCED:
        raise not_found()
    circle = await Circle.get(id=activity.circle_id)
    level = await reader_level(circle, viewer)
    row = await find_post(activity.object_uri) if activity.object_uri else None
    # An activity is served with its object's rule (a Delete's object stays as a Tombstone row).
    if not readable_audiences(circle, level) or (row is not None and not may_read_row(circle, row, level)):
        raise not_found()
    if activity.type != "Delete" and inner_type != "Delete":
        if row is None or row.deleted_at is not None or row.review_state is not ReviewState.VISIBLE:
            raise not_found()
        if await _superseded(activity) or await is_hidden_author(row.author_id):  # e.g. its domain is blocked
            raise not_found()
    return activity


async def _superseded(activity: OutboxActivity) -> bool:
    """An activity carrying a text that a later Update replaced: the old words are not served any more."""
    later = await OutboxActivity.filter(object_uri=activity.object_uri, id__gt=activity.id).values_list(
        "type", "payload"
    )
    return any(kind == "Update" or _carries_update(payload) for kind, payload in later)


def _carries_update(payload: dict) -> bool:
    announced = payload.get("object")
    return isinstance(announced, dict) and announced.get("type") == "Update"


async def is_follower_answer(slug: str, queried_uri: str, viewer: Viewer) -> dict:
    """`GET <followers>?is_follower=<actor>`: a one-item collection when that actor is an approved member;
    NotFound (as for a missing circle) when it is not, when the asker is unsigned, its signature is not fresh,
    or it asks about an actor of another instance (no enumeration of members: attack 17)."""
    circle = await Circle.get_or_none(slug=slug, is_local=True)
    if circle is None or circle.visibility is Visibility.LOCAL or viewer.signer is None or viewer.now is None:
        raise not_found()
    verdict = is_follower_verdict(
        _domain(viewer.signer.uri),
        _domain(queried_uri),
        asks_about_itself=viewer.signer.uri == queried_uri,
        asker_is_instance_actor=viewer.signer.type in INSTANCE_ACTOR_TYPES,
    )
    if isinstance(verdict, Reject) or not is_fresh(viewer.signed_at, viewer.now):
        raise not_found()
    if not await Membership.exists(
        circle_id=circle.id, actor__uri=queried_uri, state=MembershipState.APPROVED, actor__is_local=False
    ):
        raise not_found()
    group = await Actor.get(id=circle.actor_id)
    followers = group.followers_uri or f"{group.uri}/followers"
    return render_collection(f"{followers}?is_follower={quote(queried_uri, safe='')}", [queried_uri])


def _domain(uri: str) -> str | None:
    try:
        return canonical(authority(uri))
    except BadRequest:
        return None
