"""Domain: the events domain functions return, for federation.outbound to publish in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from circlefed.domain.safety import Screening
from circlefed.storage.models import Actor, Circle, Membership, Post, Report, ReportCategory, Thread

# Events hold the rows as they were saved: the publisher renders objects from them without reloading.
# `is_local` tells the publisher whether to send a Create/Update/Delete of its own (local author or actor)
# or only relay (Announce) what a remote actor sent.


@dataclass(frozen=True)
class ThreadStarted:
    circle: Circle
    thread: Thread
    author: Actor
    # What the safety net decided for a new post (held for review; crisis resources to show the poster).
    screening: Screening | None = None

    @property
    def is_local(self) -> bool:
        return self.author.is_local


@dataclass(frozen=True)
class ThreadEdited:
    circle: Circle
    thread: Thread
    author: Actor
    screening: Screening | None = None

    @property
    def is_local(self) -> bool:
        return self.author.is_local


@dataclass(frozen=True)
class ThreadDeleted:
    """A thread became a Tombstone; `by` is its author or, for a moderation removal, someone else."""

    circle: Circle
    thread: Thread
    by: Actor
    thread_uri: str

    @property
    def is_local(self) -> bool:
        return self.by.is_local

    @property
    def is_removal(self) -> bool:
        return self.by.id != self.thread.author_id


@dataclass(frozen=True)
class ReplyPosted:
    circle: Circle
    thread: Thread
    post: Post
    author: Actor
    screening: Screening | None = None

    @property
    def is_local(self) -> bool:
        return self.author.is_local


@dataclass(frozen=True)
class ReplyEdited:
    circle: Circle
    thread: Thread
    post: Post
    author: Actor
    screening: Screening | None = None

    @property
    def is_local(self) -> bool:
        return self.author.is_local


@dataclass(frozen=True)
class EditHeld:
    """An edit the safety net held for a facilitator: the shown text stays, nothing is published yet."""

    circle: Circle
    thread: Thread
    post: Post | None
    author: Actor
    screening: Screening

    @property
    def is_local(self) -> bool:
        return self.author.is_local


@dataclass(frozen=True)
class ReplyDeleted:
    circle: Circle
    thread: Thread
    post: Post
    by: Actor
    post_uri: str

    @property
    def is_local(self) -> bool:
        return self.by.is_local

    @property
    def is_removal(self) -> bool:
        return self.by.id != self.post.author_id


@dataclass(frozen=True)
class MemberJoined:
    """An approved member from the start (open circle): a remote Follow is answered with Accept."""

    circle: Circle
    actor: Actor
    membership: Membership
    follow_activity_uri: str | None


@dataclass(frozen=True)
class JoinRequested:
    """A pending request: facilitators decide (local circle), or a Follow goes out (remote circle)."""

    circle: Circle
    actor: Actor
    membership: Membership
    follow_activity_uri: str | None


@dataclass(frozen=True)
class JoinApproved:
    circle: Circle
    actor: Actor
    membership: Membership
    by: Actor
    follow_activity_uri: str | None


@dataclass(frozen=True)
class JoinRejected:
    circle: Circle
    actor: Actor
    membership: Membership
    by: Actor
    follow_activity_uri: str | None


@dataclass(frozen=True)
class MemberLeft:
    """A member left or withdrew a pending request; the row is gone (Undo(Follow) for a remote circle)."""

    circle: Circle
    actor: Actor
    follow_activity_uri: str | None
    was_approved: bool


@dataclass(frozen=True)
class MemberRemoved:
    """Facilitators took a member out of a circle hosted here (they may ask to join again): a remote member's
    instance is told with a Reject of their Follow, as Mastodon removes a follower."""

    circle: Circle
    actor: Actor
    follow_activity_uri: str | None


@dataclass(frozen=True)
class ReactionAdded:
    """A Like/Dislike of a thread or reply, counted in the reactions table."""

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

    `action` is the moderation log's name for it; `target_uri` the thread or person; `removals` the posts a ban
    with removeData took down (published as the moderator's Deletes when the moderator is local)."""

    circle: Circle
    by: Actor
    action: str
    target_uri: str
    reason: str = ""
    expires_at: datetime | None = None
    remove_data: bool = False
    activity_uri: str | None = None
    removals: tuple[ThreadDeleted | ReplyDeleted, ...] = ()
    reason_shared: bool = True  # a ban's reason may leave with its Block (only when the facilitator said so)
    person: Actor | None = None  # the person a ban, unban or facilitator change is about

    @property
    def is_local(self) -> bool:
        return self.by.is_local


@dataclass(frozen=True)
class NameChanged:
    """A local member chose (or gave up) their name in a circle: instances that show them by their per-circle
    pseudonym learn the new name (Update of that Person)."""

    circle: Circle
    member: Actor
    membership: Membership

    @property
    def is_local(self) -> bool:
        return True


@dataclass(frozen=True)
class PostApproved:
    """A held thread or reply a facilitator approved: it goes out now as if it had just been posted."""

    circle: Circle
    thread: Thread
    post: Post | None
    by: Actor


@dataclass(frozen=True)
class ReportFiled:
    """A report stored here (circle hosted here) or sent to a remote circle; `object_uris` as reported."""

    circle: Circle | None
    report: Report | None
    reporter: Actor
    object_uris: tuple[str, ...]
    reason: str
    reported_actor: Actor | None = None
    category: ReportCategory = ReportCategory.OTHER


@dataclass(frozen=True)
class ReportResolved:
    """A report closed with its outcome, by a facilitator here (sent on) or of another instance (relayed)."""

    circle: Circle | None
    report: Report
    by: Actor
    outcome: str


@dataclass(frozen=True)
class RulesChanged:
    circle: Circle
    by: Actor


@dataclass(frozen=True)
class CircleDescribed:
    """A facilitator renamed a circle hosted here or changed its description."""

    circle: Circle
    by: Actor


Event = (
    ThreadStarted
    | ThreadEdited
    | ThreadDeleted
    | ReplyPosted
    | ReplyEdited
    | ReplyDeleted
    | MemberJoined
    | JoinRequested
    | JoinApproved
    | JoinRejected
    | MemberLeft
    | ReactionAdded
    | ReactionRemoved
    | Moderated
    | PostApproved
    | ReportFiled
    | ReportResolved
    | RulesChanged
    | CircleDescribed
)
