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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from circlefed.domain.safety import Screening
from circlefed.storage.models import (
    Actor,
    Circle,
    Conversation,
    Membership,
    Message,
    Post,
    Report,
    ReportCategory,
    Thread,
    Visibility,
)

# Events hold the rows as they were saved: the publisher renders objects from them without reloading.
# `is_local` tells the publisher whether to send a Create/Update/Delete of its own (local author or actor)
# or only relay (Announce) what a remote actor sent.


@dataclass(frozen=True)
class ThreadStarted:
    circle: Circle
    thread: Thread
    actor: Actor  # the author
    # What the safety net decided for a new post (held for review; crisis resources to show the poster).
    screening: Screening | None = None

    @property
    def object_uri(self) -> str:
        return self.thread.uri

    @property
    def is_local(self) -> bool:
        return self.actor.is_local


@dataclass(frozen=True)
class ThreadEdited:
    circle: Circle
    thread: Thread
    actor: Actor  # the author
    screening: Screening | None = None

    @property
    def object_uri(self) -> str:
        return self.thread.uri

    @property
    def is_local(self) -> bool:
        return self.actor.is_local


@dataclass(frozen=True)
class ThreadDeleted:
    """A thread became a Tombstone; `actor` is its author or, for a moderation removal, someone else;
    `object_uri` the thread's id."""

    circle: Circle
    thread: Thread
    actor: Actor
    object_uri: str

    @property
    def is_local(self) -> bool:
        return self.actor.is_local

    @property
    def is_removal(self) -> bool:
        return self.actor.id != self.thread.author_id


@dataclass(frozen=True)
class ReplyPosted:
    circle: Circle
    thread: Thread
    post: Post
    actor: Actor  # the author
    screening: Screening | None = None

    @property
    def object_uri(self) -> str:
        return self.post.uri

    @property
    def is_local(self) -> bool:
        return self.actor.is_local


@dataclass(frozen=True)
class ReplyEdited:
    circle: Circle
    thread: Thread
    post: Post
    actor: Actor  # the author
    screening: Screening | None = None

    @property
    def object_uri(self) -> str:
        return self.post.uri

    @property
    def is_local(self) -> bool:
        return self.actor.is_local


@dataclass(frozen=True)
class EditHeld:
    """An edit the safety net held for a facilitator: the shown text stays, nothing is published yet."""

    circle: Circle
    thread: Thread
    post: Post | None
    actor: Actor  # the author
    screening: Screening

    @property
    def object_uri(self) -> str:
        return (self.post or self.thread).uri

    @property
    def is_local(self) -> bool:
        return self.actor.is_local


@dataclass(frozen=True)
class ReplyDeleted:
    """A reply became a Tombstone; `actor` is its author or, for a moderation removal, someone else;
    `object_uri` the reply's id."""

    circle: Circle
    thread: Thread
    post: Post
    actor: Actor
    object_uri: str

    @property
    def is_local(self) -> bool:
        return self.actor.is_local

    @property
    def is_removal(self) -> bool:
        return self.actor.id != self.post.author_id


@dataclass(frozen=True)
class MemberJoined:
    """An approved member from the start (open circle): a remote Follow is answered with Accept. `actor` is the
    member; `object_uri` the circle's Group."""

    circle: Circle
    actor: Actor
    membership: Membership
    follow_activity_uri: str | None
    object_uri: str

    @property
    def member(self) -> Actor:
        return self.actor


@dataclass(frozen=True)
class JoinRequested:
    """A pending request: facilitators decide (local circle), or a Follow goes out (remote circle). `actor` is
    the person asking; `object_uri` the circle's Group."""

    circle: Circle
    actor: Actor
    membership: Membership
    follow_activity_uri: str | None
    object_uri: str

    @property
    def member(self) -> Actor:
        return self.actor


@dataclass(frozen=True)
class JoinApproved:
    """`actor` (a facilitator, an admin, or a remote circle's Group answering) let `member` in."""

    circle: Circle
    actor: Actor
    member: Actor
    membership: Membership
    follow_activity_uri: str | None

    @property
    def object_uri(self) -> str:
        return self.member.uri


@dataclass(frozen=True)
class JoinRejected:
    """`actor` (a facilitator, an admin, or a remote circle's Group answering) turned `member` away."""

    circle: Circle
    actor: Actor
    member: Actor
    membership: Membership
    follow_activity_uri: str | None

    @property
    def object_uri(self) -> str:
        return self.member.uri


@dataclass(frozen=True)
class MemberLeft:
    """A member left or withdrew a pending request; the row is gone (Undo(Follow) for a remote circle).
    `actor` is the member; `object_uri` the circle's Group."""

    circle: Circle
    actor: Actor
    follow_activity_uri: str | None
    was_approved: bool
    object_uri: str

    @property
    def member(self) -> Actor:
        return self.actor


@dataclass(frozen=True)
class MemberRemoved:
    """Facilitators took a member out of a circle hosted here (they may ask to join again): a remote member's
    instance is told with a Reject of their Follow, as Mastodon removes a follower. `actor` is the facilitator,
    `member` the person removed."""

    circle: Circle
    actor: Actor
    member: Actor
    follow_activity_uri: str | None

    @property
    def object_uri(self) -> str:
        return self.member.uri


@dataclass(frozen=True)
class ReactionAdded:
    """A Like/Dislike of a thread or reply (`object_uri`), counted in the reactions table."""

    circle: Circle
    actor: Actor
    object_uri: str
    kind: str
    activity_uri: str


@dataclass(frozen=True)
class ReactionRemoved:
    circle: Circle
    actor: Actor
    object_uri: str
    kind: str
    activity_uri: str


@dataclass(frozen=True)
class Moderated:
    """A moderator's action that federates: lock/unlock, pin/unpin, ban/unban, add/remove a facilitator.

    `actor` is the moderator; `action` the moderation log's name for it; `object_uri` the thread or person;
    `removals` the posts a ban with removeData took down (published as the moderator's Deletes when the
    moderator is local)."""

    circle: Circle
    actor: Actor
    action: str
    object_uri: str
    reason: str = ""
    expires_at: datetime | None = None
    remove_data: bool = False
    activity_uri: str | None = None
    removals: tuple[ThreadDeleted | ReplyDeleted, ...] = ()
    reason_shared: bool = True  # a ban's reason may leave with its Block (only when the facilitator said so)
    person: Actor | None = None  # the person a ban, unban or facilitator change is about

    @property
    def is_local(self) -> bool:
        return self.actor.is_local


@dataclass(frozen=True)
class NameChanged:
    """A local member (`actor`) chose (or gave up) their name in a circle: instances that show them by their
    per-circle pseudonym learn the new name (Update of that Person). `object_uri` is the circle's Group."""

    circle: Circle
    actor: Actor
    membership: Membership
    object_uri: str

    @property
    def is_local(self) -> bool:
        return True


@dataclass(frozen=True)
class PostApproved:
    """A held thread or reply a facilitator (`actor`) approved: it goes out now as if it had just been posted."""

    circle: Circle
    thread: Thread
    post: Post | None
    actor: Actor

    @property
    def object_uri(self) -> str:
        return (self.post or self.thread).uri


@dataclass(frozen=True)
class ReportFiled:
    """A report stored here (circle hosted here) or sent to a remote circle; `actor` is the reporter,
    `object_uris` as reported (`object_uri`: the first of them, the one the stored report names)."""

    circle: Circle | None
    report: Report | None
    actor: Actor
    object_uris: tuple[str, ...]
    reason: str
    reported_actor: Actor | None = None
    category: ReportCategory = ReportCategory.OTHER

    @property
    def object_uri(self) -> str:
        return self.object_uris[0]


@dataclass(frozen=True)
class ReportResolved:
    """A report closed with its outcome, by a facilitator here (sent on) or of another instance (relayed);
    `actor` is who closed it, `object_uri` the reported object."""

    circle: Circle | None
    report: Report
    actor: Actor
    outcome: str

    @property
    def object_uri(self) -> str:
        return self.report.object_uri


@dataclass(frozen=True)
class RulesChanged:
    """A facilitator (`actor`) wrote new ground rules; `object_uri` is the circle's Group."""

    circle: Circle
    actor: Actor
    object_uri: str


@dataclass(frozen=True)
class CircleDescribed:
    """A facilitator (`actor`) renamed a circle hosted here or changed its description; `object_uri` is the
    circle's Group."""

    circle: Circle
    actor: Actor
    object_uri: str


@dataclass(frozen=True)
class VisibilityChanged:
    """A circle's visibility changed: new content and fetches follow the new level at once. `actor` is the
    moderator who changed it (None: the admin at the command line); `object_uri` the circle's Group."""

    circle: Circle
    actor: Actor | None
    object_uri: str
    before: Visibility
    after: Visibility


@dataclass(frozen=True)
class MessageSent:
    """A message written here: federation sends it when the recipient is on another instance. `actor` is the
    sender; `circle` the conversation's (None once that circle is gone); `object_uri` the message's id."""

    circle: Circle | None
    conversation: Conversation
    message: Message
    actor: Actor
    recipient: Actor

    @property
    def object_uri(self) -> str:
        return self.message.uri


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
    | PostApproved
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
