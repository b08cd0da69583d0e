from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from circlefed.storage.models import RegistrationMode


class Migration(migrations.Migration):
    dependencies = [("models", "0006_moderation_and_confidentiality")]

    initial = False

    operations = [
        ops.CreateModel(
            name="InstanceSecret",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(unique=True, max_length=64)),
                ("value", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "instance_secrets",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A secret generated on first use and shared by every process (e.g. the session cookie key). Never logged.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Invite",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="invites_created",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("note", fields.CharField(default="", max_length=255)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "used_by",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="used_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="invite_used",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "invites",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A single-use invitation to register (registration mode `invite`), stored as a hash of its token.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="LoginFailure",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("key", fields.CharField(max_length=255)),
                ("failed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "login_failures",
                "app": "models",
                "indexes": [Index(fields=["key", "failed_at"])],
                "pk_attr": "id",
                "table_description": "One failed sign-in, keyed by username and by client address bucket: the shared rate-limit record.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Account",
            name="is_approved",
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name="Account",
            name="join_reason",
            field=fields.TextField(default="", unique=False),
        ),
        ops.AddField(
            model_name="Account",
            name="session_epoch",
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name="Actor",
            name="deleted_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AlterField(
            model_name="InstancePolicy",
            name="registration_mode",
            field=fields.CharEnumField(
                default=RegistrationMode.APPROVAL,
                description="OPEN: open\nINVITE: invite\nAPPROVAL: approval\nCLOSED: closed",
                enum_type=RegistrationMode,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="InstancePolicy",
            name="instance_description",
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name="InstancePolicy",
            name="instance_name",
            field=fields.CharField(null=True, max_length=255),
        ),
    ]
