"""Storage: moderation: circle bans, reports, the moderation log and content rules."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ReportState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ReportCategory(StrEnum):
    """Why a member reports (stable strings: they federate as `reportCategory`, see FEDERATION.md)."""

    GROUND_RULES = "ground_rules"
    HARMFUL_ADVICE = "harmful_advice"
    CRISIS_CONCERN = "crisis_concern"
    HARASSMENT = "harassment"
    SPAM = "spam"
    OTHER = "other"


class ContentRuleAction(StrEnum):
    REJECT = "reject"
    HOLD = "hold"


class CircleBan(Model):
    """A member banned from a circle by a facilitator, maybe until a time, maybe with their posts removed."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="bans", on_delete=fields.CASCADE)
    actor = fields.ForeignKeyField("models.Actor", related_name="circle_bans", on_delete=fields.CASCADE)
    banned_by = fields.ForeignKeyField("models.Actor", related_name="bans_issued", on_delete=fields.CASCADE)
    reason = fields.TextField(default="")
    expires_at = fields.DatetimeField(null=True)
    remove_data = fields.BooleanField(default=False)
    # Whether the banned person (and their instance) may read the reason; facilitators always can.
    reason_shared = fields.BooleanField(default=False)
    # The membership state the ban replaced (approved or pending), restored when the ban ends; None: none.
    previous_state = fields.CharField(max_length=16, null=True)
    activity_uri = fields.CharField(max_length=2048, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "circle_bans"
        unique_together = (("circle", "actor"),)


class Report(Model):
    """A member's report of a post or a person to a circle's facilitators, and how it was resolved."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="reports", null=True, on_delete=fields.CASCADE)
    reporter = fields.ForeignKeyField("models.Actor", related_name="reports_made", on_delete=fields.CASCADE)
    object_uri = fields.CharField(max_length=2048)
    reported_actor = fields.ForeignKeyField(
        "models.Actor", related_name="reports_about", null=True, on_delete=fields.SET_NULL
    )
    category = fields.CharEnumField(ReportCategory, default=ReportCategory.OTHER, max_length=32)
    reason = fields.TextField(default="")
    activity_uri = fields.CharField(max_length=2048, null=True, unique=True)
    state = fields.CharEnumField(ReportState, default=ReportState.OPEN, max_length=16)
    # While the report is open: a digest of (reporter, reported object), so that one person has one open report
    # about a post even when two requests race; cleared when it is resolved.
    open_key = fields.CharField(max_length=64, null=True, unique=True)
    outcome = fields.TextField(null=True)
    resolved_by = fields.ForeignKeyField(
        "models.Actor", related_name="reports_resolved", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField()
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reports"


class ModerationLogEntry(Model):
    """One moderation action (append-only): who did what, to what, why and when."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="log", null=True, on_delete=fields.SET_NULL)
    moderator = fields.ForeignKeyField("models.Actor", related_name="moderation_log", on_delete=fields.CASCADE)
    action = fields.CharField(max_length=64)
    target_uri = fields.CharField(max_length=2048, default="")
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "moderation_log"


class ContentRule(Model):
    """A blocked term or pattern, for the whole instance (no circle) or one circle: reject or hold for review."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="content_rules", null=True, on_delete=fields.CASCADE)
    pattern = fields.TextField()
    is_regex = fields.BooleanField(default=False)
    action = fields.CharEnumField(ContentRuleAction, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "content_rules"
