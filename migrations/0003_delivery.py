from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0002_federation_basics")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="Delivery",
            name="ordering_key",
            field=fields.CharField(null=True, db_index=True, max_length=2048),
        ),
        ops.AddField(
            model_name="Delivery",
            name="after_id",
            field=fields.IntField(null=True),
        ),
    ]
