"""Web UI: how people are named in private messages (as in their circle), and whom a viewer may write to."""

from __future__ import annotations

from collections.abc import Iterable

from circlefed.domain.memberships import can_moderate
from circlefed.domain.message_rules import refusal_to_start
from circlefed.storage.models import Actor, Circle
from circlefed.web.ui.member_access import names

NO_CIRCLE_NAME = "someone from a circle that no longer exists"


async def people_names(circle: Circle | None, viewer: Actor, people: Iterable[Actor]) -> dict[int, str]:
    """Each person as the viewer sees them in the circle of the conversation: a confidential circle hosted here
    shows members by their name in it (never their username), and its moderators also the account behind it."""
    people = list(people)
    if circle is None:
        return {person.id: NO_CIRCLE_NAME for person in people}
    return await names(circle, people, for_facilitators=await can_moderate(circle, viewer))


async def writable(circle: Circle, viewer: Actor | None, people: Iterable[Actor | None]) -> set[int]:
    """Ids of the people `viewer` may start a conversation with in `circle` (for "Write to them" links)."""
    if viewer is None:
        return set()
    found = set()
    for person in {person.id: person for person in people if person is not None}.values():
        if await refusal_to_start(circle, viewer, person) is None:
            found.add(person.id)
    return found
