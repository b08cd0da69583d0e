from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from circlefed.storage.models import DomainAction, SignatureScheme


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DomainRule",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("domain", fields.CharField(unique=True, max_length=255)),
                (
                    "action",
                    fields.CharEnumField(
                        description="ALLOW: allow\nBLOCK: block\nSILENCE: silence\nREJECT_MEDIA: reject_media",
                        enum_type=DomainAction,
                        max_length=16,
                    ),
                ),
                ("reason", fields.TextField(default="", unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "domain_rules",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An admin's rule for one remote domain: allow (allowlist mode), block, silence or reject media.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SeenSignature",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("replay_key", fields.CharField(unique=True, max_length=128)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "seen_signatures",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Replay cache: a signature accepted once is refused again until it would have expired anyway.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Delivery",
            name="ordering_key",
            field=fields.CharField(null=True, max_length=2048),
        ),
        ops.AddField(
            model_name="Instance",
            name="signature_scheme",
            field=fields.CharEnumField(
                null=True, description="CAVAGE: cavage\nRFC9421: rfc9421", enum_type=SignatureScheme, max_length=16
            ),
        ),
    ]
