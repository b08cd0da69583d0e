"""Threads and replies keep the language a remote post said its text is in (contentMap, Lemmy's language), so
that pages mark it with `lang`; local posts and older rows have none."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0014_messages')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Thread',
            name='language',
            field=fields.CharField(null=True, max_length=35),
        ),
        ops.AddField(
            model_name='Post',
            name='language',
            field=fields.CharField(null=True, max_length=35),
        ),
    ]
