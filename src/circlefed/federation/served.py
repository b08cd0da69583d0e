"""Federation: which local objects, activities and circles are served at their ids, and to whom (for now: public)."""

from __future__ import annotations

from circlefed.domain.directory import not_found
from circlefed.federation.lookup import find_post, thread_and_circle
from circlefed.storage.models import Circle, OutboxActivity, Post, Thread, Visibility

# Activities served at their ids: content only. Follows and their answers would show who joined, and
# relayed reactions who voted (PROTOCOL.md attack 17), so they are delivered but never served.
SERVED_ACTIVITIES = frozenset({"Create", "Update", "Delete", "Announce"})
PRIVATE_ANNOUNCED = frozenset({"Like", "Dislike", "Undo", "Follow", "Accept", "Reject"})


async def served_post(uri: str) -> tuple[Thread | Post, Circle]:
    """A thread or reply authored here, in a public circle; the same NotFound as a missing id otherwise
    (SPEC: PROTOCOL.md attack 15 and 21: a hidden object is indistinguishable from none)."""
    row = await find_post(uri)
    if row is None:
        raise not_found()
    _, circle = await thread_and_circle(row)
    if circle.visibility is not Visibility.PUBLIC:
        raise not_found()
    return row, circle


async def served_circle(slug: str) -> Circle:
    """A public circle hosted here (members-only collections wait for signed, member-only access)."""
    circle = await Circle.get_or_none(slug=slug, is_local=True)
    if circle is None or circle.visibility is not Visibility.PUBLIC:
        raise not_found()
    return circle


async def served_activity(uri: str) -> OutboxActivity:
    """A content activity of a public circle whose object is still there (a Delete always is)."""
    activity = await OutboxActivity.get_or_none(uri=uri)
    if activity is None or activity.type not in SERVED_ACTIVITIES or activity.circle_id is None:
        raise not_found()
    announced = activity.payload.get("object")
    inner_type = announced.get("type") if isinstance(announced, dict) else None
    if inner_type in PRIVATE_ANNOUNCED:
        raise not_found()
    circle = await Circle.get(id=activity.circle_id)
    if circle.visibility is not Visibility.PUBLIC:
        raise not_found()
    if activity.type != "Delete" and inner_type != "Delete":
        row = await find_post(activity.object_uri)
        if row is None or row.deleted_at is not None or await _superseded(activity):
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
