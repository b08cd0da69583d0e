"""Domain: the events domain functions return, for federation.outbound to publish in the same transaction.

Every event names three things the same way:

- `circle`: where it happened (None only for a report to this instance's admins, ReportFiled/ReportResolved);
- `actor`: the person whose action the event is: the author of a post or edit, whoever deleted a post (its author
  or a facilitator removing it), the facilitator who approved, rejected, moderated or removed, the reporter, the
  member who joined, left, renamed themselves, reacted or wrote a message (None only for a circle's level set by
  the admin at the command line, VisibilityChanged);
- `object_uri`: the id of what was acted on: the thread or reply (posts, edits, deletions, approvals, reactions),
  the thread or person a moderation is about, the person a facilitator let in, turned away or removed, the
  circle's Group for what a member does to their own membership (joining, asking, leaving, renaming) and for a
  change of the whole circle (rules, name, level), the (first) reported object of a report, the message sent.

Where someone else takes part, they have a name of their own: `member` (whose membership a facilitator decided
or ended), `person` (whom a moderation is about), `reported_actor`, `recipient`.

The events are defined in domain/post_events.py and domain/circle_events.py; this module names them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from circlefed.domain.circle_events import (
    CircleDescribed,
    JoinApproved,
    JoinRejected,
    JoinRequested,
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    MessageSent,
    Moderated,
    NameChanged,
    ProfileRenamed,
    ReportFiled,
    ReportResolved,
    RulesChanged,
    VisibilityChanged,
)
from circlefed.domain.post_events import (
    EditHeld,
    PostApproved,
    PostRejected,
    ReactionAdded,
    ReactionRemoved,
    ReplyDeleted,
    ReplyEdited,
    ReplyPosted,
    ThreadDeleted,
    ThreadEdited,
    ThreadStarted,
)

__all__ = [
    "CircleDescribed",
    "EditHeld",
    "Event",
    "JoinApproved",
    "JoinRejected",
    "JoinRequested",
    "MemberJoined",
    "MemberLeft",
    "MemberRemoved",
    "MessageSent",
    "Moderated",
    "NameChanged",
    "Outcome",
    "PostApproved",
    "PostRejected",
    "ProfileRenamed",
    "ReactionAdded",
    "ReactionRemoved",
    "ReplyDeleted",
    "ReplyEdited",
    "ReplyPosted",
    "ReportFiled",
    "ReportResolved",
    "RulesChanged",
    "ThreadDeleted",
    "ThreadEdited",
    "ThreadStarted",
    "VisibilityChanged",
    "events_of",
]

Event = (
    ThreadStarted
    | ThreadEdited
    | ThreadDeleted
    | ReplyPosted
    | ReplyEdited
    | EditHeld
    | ReplyDeleted
    | MemberJoined
    | JoinRequested
    | JoinApproved
    | JoinRejected
    | MemberLeft
    | MemberRemoved
    | ReactionAdded
    | ReactionRemoved
    | Moderated
    | NameChanged
    | ProfileRenamed
    | PostApproved
    | PostRejected
    | ReportFiled
    | ReportResolved
    | RulesChanged
    | CircleDescribed
    | VisibilityChanged
    | MessageSent
)


@runtime_checkable
class Outcome(Protocol):
    """A domain result that says more than its events (a join's membership, an erased account's identities):
    what it publishes is its `events`."""

    @property
    def events(self) -> Sequence[Event]: ...


def events_of(result: object) -> list[Event]:
    """The events a domain change's result publishes: an Outcome's `events`, a sequence of events, one event,
    or none (None)."""
    if isinstance(result, Outcome):
        return list(result.events)
    if isinstance(result, Sequence):
        return list(result)
    return [result] if result is not None else []  # type: ignore[list-item]
