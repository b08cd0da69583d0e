from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0011_revisions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="LoginLockout",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("username", fields.CharField(max_length=64)),
                ("kind", fields.CharField(max_length=16)),
                ("address", fields.CharField(default="", max_length=64)),
                ("failures", fields.IntField()),
                ("started_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ("until", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "login_lockouts",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A sign-in limit reached (for the admins' list of recent lockouts): which name, which limit, from where, until",
            },
            bases=["Model"],
        ),
    ]
