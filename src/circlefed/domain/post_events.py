"""Domain: the events of threads and replies: started, edited, held, deleted, approved or declined, reacted to."""

from __future__ import annotations

from dataclasses import dataclass

from circlefed.domain.safety import Screening
from circlefed.storage.models import (
    Actor,
    Circle,
    Post,
    Thread,
)

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
class PostRejected:
    """A held thread or reply a facilitator (`actor`) declined: it stays unpublished (nothing leaves the
    instance); its author is told, and reads the facilitator's note on it."""

    circle: Circle
    thread: Thread
    post: Post | None
    actor: Actor

    @property
    def object_uri(self) -> str:
        return (self.post or self.thread).uri
