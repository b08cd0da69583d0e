from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0003_delivery")]

    initial = False

    operations = [
        ops.AddField(
            model_name="InboxItem",
            name="replay_key",
            field=fields.CharField(null=True, unique=True, max_length=128),
        ),
    ]
