"""Client apps name a thread by the millisecond it was published (protocol/mastodon_ids.py): an index to find it."""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0021_oauth')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Thread',
            index=Index(fields=['published_at', 'id']),
        ),
    ]
