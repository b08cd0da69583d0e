"""Storage: what a member is told of (notifications) and where they stopped reading (read markers).

A notification points at what it is about (a reply, a mention, a like, a join request, a report) and is removed with it
(cascade); whether the member may still see it is decided when it is read (domain/notifications.py), never here.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class NotificationKind(StrEnum):
    """What happened (stable strings: the web page and the client API each map them to their own words)."""

    REPLY = "reply"  # someone replied to the member's thread or reply
    LIKE = "like"  # someone liked the member's thread or reply
    JOIN_APPROVED = "join_approved"  # the member's request to join a circle was approved
    JOIN_DECLINED = "join_declined"  # ... or declined
    JOIN_REQUEST = "join_request"  # for facilitators: someone asks to join their circle
    REPORT = "report"  # for facilitators: a post or person of their circle was reported
    HELD_POST = "held_post"  # for facilitators: a post of their circle waits for review
    POST_APPROVED = "post_approved"  # the member's held post was approved by a facilitator (it is published now)
    POST_DECLINED = "post_declined"  # ... or declined (it stays unpublished; the author reads the note on it)
    MENTION = "mention"  # a local post names the member (domain/mentions.py), told once per post


class Notification(Model):
    """One thing one member is told of: `actor` did it (the replier, the liker, the person asking to join, the
    reporter, the facilitator who decided), in `circle`, about the row named by the kind's own field."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="notifications", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(NotificationKind, max_length=16)
    actor = fields.ForeignKeyField("models.Actor", related_name="notifications_caused", on_delete=fields.CASCADE)
    circle = fields.ForeignKeyField("models.Circle", related_name="notifications", on_delete=fields.CASCADE)
    thread = fields.ForeignKeyField(
        "models.Thread", related_name="notifications", null=True, on_delete=fields.CASCADE
    )
    post = fields.ForeignKeyField("models.Post", related_name="notifications", null=True, on_delete=fields.CASCADE)
    # A like's notification goes with the like: taking it back removes it (as Mastodon does).
    reaction = fields.ForeignKeyField(
        "models.Reaction", related_name="notifications", null=True, on_delete=fields.CASCADE, db_index=True
    )
    # A join request's: withdrawn (the membership row deleted), it is gone.
    membership = fields.ForeignKeyField(
        "models.Membership", related_name="notifications", null=True, on_delete=fields.CASCADE
    )
    report = fields.ForeignKeyField("models.Report", related_name="notifications", null=True, on_delete=fields.CASCADE)
    created_at = fields.DatetimeField()
    # Marked read one by one on the notifications page; "mark all read" moves the notifications read marker
    # (Marker) instead, which apps share: unread is neither (domain/notification_reads.py).
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notifications"
        indexes = (("account_id", "id"),)  # a member's notifications, newest first (keyset pages)


class Marker(Model):
    """Where a member stopped reading a timeline in their apps ("home" or "notifications"): Mastodon's read
    marker, with its version (raised on every change) and when it last changed."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="markers", on_delete=fields.CASCADE)
    timeline = fields.CharField(max_length=16)
    last_read_id = fields.BigIntField()
    version = fields.IntField(default=0)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "markers"
        unique_together = (("account", "timeline"),)
