"""Domain: the events of a circle's life: joins, leaving, moderation, names, reports, rules, level, messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from circlefed.domain.post_events import ReplyDeleted, ThreadDeleted
from circlefed.storage.models import (
    Actor,
    Circle,
    Conversation,
    Membership,
    Message,
    Report,
    ReportCategory,
    Visibility,
)


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
class ProfileRenamed:
    """A local member changed the name on their own profile: the instances that know their Person (public
    circles they are in, circles elsewhere they joined) learn it. In no circle; `object_uri` is the Person."""

    actor: Actor
    circle: Circle | None = None

    @property
    def object_uri(self) -> str:
        return self.actor.uri

    @property
    def is_local(self) -> bool:
        return True


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
