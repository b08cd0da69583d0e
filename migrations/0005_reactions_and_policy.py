from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from circlefed.storage.models import FederationMode, ReactionKind


class Migration(migrations.Migration):
    dependencies = [("models", "0004_inbox_replay_key")]

    initial = False

    operations = [
        ops.CreateModel(
            name="InstancePolicy",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "federation_mode",
                    fields.CharEnumField(
                        default=FederationMode.OPEN,
                        description="OPEN: open\nALLOWLIST: allowlist\nCLOSED: closed",
                        enum_type=FederationMode,
                        max_length=16,
                    ),
                ),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "instance_policy",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The admin-editable policy of this instance (one row): federation mode now, more knobs later.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Reaction",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "actor",
                    fields.ForeignKeyField(
                        "models.Actor",
                        source_field="actor_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="reactions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "thread",
                    fields.ForeignKeyField(
                        "models.Thread",
                        source_field="thread_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reactions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "post",
                    fields.ForeignKeyField(
                        "models.Post",
                        source_field="post_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="reactions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("object_uri", fields.CharField(db_index=True, max_length=2048)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="LIKE: like\nDISLIKE: dislike", enum_type=ReactionKind, max_length=16
                    ),
                ),
                ("activity_uri", fields.CharField(unique=True, max_length=2048)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "reactions",
                "app": "models",
                "unique_together": (("actor", "object_uri", "kind"),),
                "pk_attr": "id",
                "table_description": "A Like or Dislike of a thread or reply. Only counts are ever shown, never the voters.",
            },
            bases=["Model"],
        ),
    ]
