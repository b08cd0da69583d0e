from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0008_delivery_indexes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AccountSession",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                (
                    "account",
                    fields.ForeignKeyField(
                        "models.Account",
                        source_field="account_id",
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_seen_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("browser", fields.CharField(default="", max_length=100)),
            ],
            options={
                "table": "account_sessions",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One signed-in browser of an account: its cookie carries a random token, stored here only as a SHA-256 hash.",
            },
            bases=["Model"],
        ),
    ]
