"""Storage: what members write in circles: threads, replies, their revisions and reactions."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from circlefed.storage.models.circles import Visibility


class ReviewState(StrEnum):
    VISIBLE = "visible"
    HELD = "held"
    REJECTED = "rejected"


class ReactionKind(StrEnum):
    LIKE = "like"
    DISLIKE = "dislike"


class Thread(Model):
    """A thread in a circle (an AS2 Page): its title and opening post."""

    id = fields.IntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="threads", on_delete=fields.CASCADE)
    author = fields.ForeignKeyField("models.Actor", related_name="threads", on_delete=fields.CASCADE)
    title = fields.CharField(max_length=255)
    content_html = fields.TextField(default="")
    source = fields.TextField(default="")
    content_warning = fields.CharField(max_length=255, null=True)
    language = fields.CharField(max_length=35, null=True)  # BCP 47 tag of a remote text, when it said
    is_locked = fields.BooleanField(default=False)
    is_pinned = fields.BooleanField(default=False)
    # Who it was written for (domain/read_rule.py): the circle's visibility then, or for a copy received from
    # another instance, public only when it was addressed to Public. Opening the circle later never widens it.
    audience = fields.CharEnumField(Visibility, default=Visibility.PUBLIC, max_length=16)
    review_state = fields.CharEnumField(ReviewState, default=ReviewState.VISIBLE, max_length=16)
    review_reason = fields.TextField(null=True)
    review_note = fields.TextField(default="")  # a facilitator's words to the author when declining it
    published_at = fields.DatetimeField()
    edited_at = fields.DatetimeField(null=True)
    last_activity_at = fields.DatetimeField(db_index=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "threads"
        # A circle's page: its pinned threads, then the others by last activity (keyset pages); counts by circle.
        # A client app's status id names a thread by the millisecond it was published (protocol/mastodon_ids.py).
        indexes = (("circle_id", "is_pinned", "last_activity_at", "id"), ("published_at", "id"))


class Post(Model):
    """A reply in a thread (an AS2 Note)."""

    id = fields.IntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    thread = fields.ForeignKeyField("models.Thread", related_name="posts", on_delete=fields.CASCADE)
    author = fields.ForeignKeyField("models.Actor", related_name="posts", on_delete=fields.CASCADE)
    in_reply_to_uri = fields.CharField(max_length=2048)
    audience = fields.CharEnumField(Visibility, default=Visibility.PUBLIC, max_length=16)  # as Thread.audience
    review_state = fields.CharEnumField(ReviewState, default=ReviewState.VISIBLE, max_length=16)
    review_reason = fields.TextField(null=True)
    review_note = fields.TextField(default="")  # as Thread.review_note
    content_html = fields.TextField(default="")
    source = fields.TextField(default="")
    content_warning = fields.CharField(max_length=255, null=True)
    language = fields.CharField(max_length=35, null=True)  # as Thread.language
    published_at = fields.DatetimeField(db_index=True)
    edited_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "posts"
        # A thread's replies and its context collection, oldest first (keyset pages).
        indexes = (("thread_id", "published_at", "id"),)


class Revision(Model):
    """A version of a thread or reply other than the one shown: an earlier text an edit replaced (history,
    for facilitators), or an edit the safety net held (proposed: the shown text stays until a facilitator
    approves it; declined ones are kept with the facilitator's note for the author)."""

    id = fields.IntField(primary_key=True)
    thread = fields.ForeignKeyField("models.Thread", related_name="revisions", null=True, on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="revisions", null=True, on_delete=fields.CASCADE)
    author = fields.ForeignKeyField("models.Actor", related_name="revisions", on_delete=fields.CASCADE)
    is_proposal = fields.BooleanField(default=False)
    state = fields.CharEnumField(ReviewState, default=ReviewState.VISIBLE, max_length=16)
    title = fields.CharField(max_length=255, default="")
    source = fields.TextField(default="")
    content_html = fields.TextField(default="")
    content_warning = fields.CharField(max_length=255, null=True)
    review_reason = fields.TextField(null=True)
    decision_note = fields.TextField(default="")
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "revisions"
        indexes = (("thread_id", "is_proposal"), ("post_id", "is_proposal"))  # a thread page's held edits


class Reaction(Model):
    """A Like or Dislike of a thread or reply. Only counts are ever shown, never the voters."""

    id = fields.IntField(primary_key=True)
    actor = fields.ForeignKeyField("models.Actor", related_name="reactions", on_delete=fields.CASCADE)
    thread = fields.ForeignKeyField("models.Thread", related_name="reactions", null=True, on_delete=fields.CASCADE)
    post = fields.ForeignKeyField("models.Post", related_name="reactions", null=True, on_delete=fields.CASCADE)
    # The reacted-to object's uri: the uniqueness key (a nullable thread/post pair could not be unique).
    object_uri = fields.CharField(max_length=2048, db_index=True)
    kind = fields.CharEnumField(ReactionKind, max_length=16)
    activity_uri = fields.CharField(max_length=2048, unique=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "reactions"
        unique_together = (("actor", "object_uri", "kind"),)
