from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from circlefed.storage.models import ContentRuleAction, RegistrationMode, ReportState, ReviewState


class Migration(migrations.Migration):
    dependencies = [("models", "0005_reactions_and_policy")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CircleBan",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "circle",
                    fields.ForeignKeyField(
                        "models.Circle",
                        source_field="circle_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bans",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="circle_bans",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "banned_by",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="banned_by_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="bans_issued",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("reason", fields.TextField(default="", unique=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("remove_data", fields.BooleanField(default=False)),
                ("activity_uri", fields.CharField(null=True, max_length=2048)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "circle_bans",
                "app": "models",
                "unique_together": (("circle", "actor"),),
                "pk_attr": "id",
                "table_description": "A member banned from a circle by a facilitator, maybe until a time, maybe with their posts removed.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ContentRule",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "circle",
                    fields.ForeignKeyField(
                        "models.Circle",
                        source_field="circle_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="content_rules",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("pattern", fields.TextField(unique=False)),
                ("is_regex", fields.BooleanField(default=False)),
                (
                    "action",
                    fields.CharEnumField(
                        description="REJECT: reject\nHOLD: hold", enum_type=ContentRuleAction, max_length=16
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "content_rules",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A blocked term or pattern, for the whole instance (no circle) or one circle: reject or hold for review.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ModerationLogEntry",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "circle",
                    fields.ForeignKeyField(
                        "models.Circle",
                        source_field="circle_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="log",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "moderator",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="moderator_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="moderation_log",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("action", fields.CharField(max_length=64)),
                ("target_uri", fields.CharField(default="", max_length=2048)),
                ("reason", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "moderation_log",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One moderation action (append-only): who did what, to what, why and when.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Report",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "circle",
                    fields.ForeignKeyField(
                        "models.Circle",
                        source_field="circle_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reports",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "reporter",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="reporter_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reports_made",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("object_uri", fields.CharField(max_length=2048)),
                (
                    "reported_actor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="reported_actor_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reports_about",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("reason", fields.TextField(default="", unique=False)),
                ("activity_uri", fields.CharField(null=True, unique=True, max_length=2048)),
                (
                    "state",
                    fields.CharEnumField(
                        default=ReportState.OPEN,
                        description="OPEN: open\nRESOLVED: resolved",
                        enum_type=ReportState,
                        max_length=16,
                    ),
                ),
                ("outcome", fields.TextField(null=True, unique=False)),
                (
                    "resolved_by",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="resolved_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reports_resolved",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("resolved_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "reports",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A member's report of a post or a person to a circle's facilitators, and how it was resolved.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TrustedInstance",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("domain", fields.CharField(unique=True, max_length=255)),
                ("note", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "trusted_instances",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A partner instance the admin trusts with members circles (confidential content may go there).",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Circle",
            name="rules_version",
            field=fields.IntField(default=1),
        ),
        ops.AddField(
            model_name="InstancePolicy",
            name="crisis_resources",
            field=fields.TextField(default="", unique=False),
        ),
        ops.AddField(
            model_name="InstancePolicy",
            name="forward_reports_to_author_instance",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="InstancePolicy",
            name="hold_first_posts",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="InstancePolicy",
            name="members_circles_to_untrusted_software",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="InstancePolicy",
            name="registration_mode",
            field=fields.CharEnumField(
                default=RegistrationMode.APPROVAL,
                description="OPEN: open\nINVITE: invite\nAPPROVAL: approval",
                enum_type=RegistrationMode,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="InstancePolicy",
            name="share_real_names",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="Membership",
            name="rules_version_acknowledged",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Post",
            name="review_reason",
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name="Post",
            name="review_state",
            field=fields.CharEnumField(
                default=ReviewState.VISIBLE,
                description="VISIBLE: visible\nHELD: held\nREJECTED: rejected",
                enum_type=ReviewState,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Thread",
            name="review_reason",
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name="Thread",
            name="review_state",
            field=fields.CharEnumField(
                default=ReviewState.VISIBLE,
                description="VISIBLE: visible\nHELD: held\nREJECTED: rejected",
                enum_type=ReviewState,
                max_length=16,
            ),
        ),
    ]
