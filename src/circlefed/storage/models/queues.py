"""Storage: the durable queues: activities sent, their deliveries, and activities received."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class QueueState(StrEnum):
    """States of queued work (deliveries and inbox items); legal moves live in delivery/states.py."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    RETRY_WAIT = "retry_wait"
    FAILED = "failed"
    CANCELLED = "cancelled"
    GONE = "gone"
    HELD = "held"
    REJECTED = "rejected"


class OutboxActivity(Model):
    """An activity this instance sent, kept so that it can be dereferenced at its id."""

    id = fields.IntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    type = fields.CharField(max_length=32)
    actor = fields.ForeignKeyField("models.Actor", related_name="outbox", on_delete=fields.CASCADE)
    circle = fields.ForeignKeyField("models.Circle", related_name="activities", null=True, on_delete=fields.CASCADE)
    object_uri = fields.CharField(max_length=2048, null=True, db_index=True)
    payload = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox_activities"
        # A circle's outbox: the Group's latest Announces, newest first.
        indexes = (("circle_id", "actor_id", "type", "id"),)


class Delivery(Model):
    """One outgoing activity to one inbox: a row of the transactional outbox queue."""

    id = fields.IntField(primary_key=True)
    activity = fields.ForeignKeyField("models.OutboxActivity", related_name="deliveries", on_delete=fields.CASCADE)
    inbox_uri = fields.CharField(max_length=2048)
    domain = fields.CharField(max_length=255, db_index=True)
    # Deliveries sharing an ordering key and inbox go out in id order (an Update never overtakes its Create).
    ordering_key = fields.CharField(max_length=2048, null=True, db_index=True)
    # The delivery this one waits for: the newest unfinished one of the same ordering key and inbox when queued.
    after_id = fields.IntField(null=True)
    state = fields.CharEnumField(QueueState, default=QueueState.PENDING, max_length=16)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    leased_by = fields.CharField(max_length=64, null=True)
    last_status = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "deliveries"
        unique_together = (("activity", "inbox_uri"),)
        indexes = (("state", "next_attempt_at"),)


class InboxItem(Model):
    """A verified incoming activity, stored once by id, processed later by the worker."""

    id = fields.IntField(primary_key=True)
    activity_uri = fields.CharField(max_length=2048, unique=True)
    # The signature that delivered it: the inbox's replay cache (an identical request sent again is refused).
    replay_key = fields.CharField(max_length=128, null=True, unique=True)
    actor_uri = fields.CharField(max_length=2048)
    domain = fields.CharField(max_length=255, db_index=True)
    payload = fields.JSONField()
    state = fields.CharEnumField(QueueState, default=QueueState.PENDING, max_length=16)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    leased_by = fields.CharField(max_length=64, null=True)
    last_error = fields.TextField(null=True)
    received_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbox_items"
        indexes = (("state", "next_attempt_at"),)
