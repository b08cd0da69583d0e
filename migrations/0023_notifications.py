"""Notifications (what a member is told of: replies, likes, join answers; for facilitators join requests, reports
and held posts) and the read markers apps keep per timeline (Mastodon's /api/v1/markers). A member's page shows
their notifications, so that table raises the page revision (0020) as every shown table does; no page shows a
marker (apps save them as often as they scroll: a trigger would only throw kept pages away)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from circlefed.storage.models import NotificationKind

BUMP = "UPDATE page_revision SET number = number + 1 WHERE id = 1"
EVENTS = ("INSERT", "UPDATE", "DELETE")


async def notifications_raise_the_page_revision(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_query(
            "CREATE TRIGGER page_revision_notifications AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notifications "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_page_revision()"
        )
        return
    for event in EVENTS:
        await client.execute_query(
            f"CREATE TRIGGER page_revision_notifications_{event.lower()} AFTER {event} ON notifications "
            f"BEGIN {BUMP}; END"
        )


async def drop_the_trigger(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_query("DROP TRIGGER page_revision_notifications ON notifications")
        return
    for event in EVENTS:
        await client.execute_query(f"DROP TRIGGER page_revision_notifications_{event.lower()}")


class Migration(migrations.Migration):
    dependencies = [('models', '0022_status_ids')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Marker',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='markers', on_delete=OnDelete.CASCADE)),
                ('timeline', fields.CharField(max_length=16)),
                ('last_read_id', fields.BigIntField()),
                ('version', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'markers', 'app': 'models', 'unique_together': (('account', 'timeline'),), 'pk_attr': 'id', 'table_description': 'Where a member stopped reading a timeline in their apps ("home" or "notifications"): Mastodon\'s read'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='REPLY: reply\nLIKE: like\nJOIN_APPROVED: join_approved\nJOIN_DECLINED: join_declined\nJOIN_REQUEST: join_request\nREPORT: report\nHELD_POST: held_post', enum_type=NotificationKind, max_length=16)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='notifications_caused', on_delete=OnDelete.CASCADE)),
                ('circle', fields.ForeignKeyField('models.Circle', source_field='circle_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('thread', fields.ForeignKeyField('models.Thread', source_field='thread_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('reaction', fields.ForeignKeyField('models.Reaction', source_field='reaction_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('membership', fields.ForeignKeyField('models.Membership', source_field='membership_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('report', fields.ForeignKeyField('models.Report', source_field='report_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notifications', 'app': 'models', 'indexes': [Index(fields=['account_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One thing one member is told of: `actor` did it (the replier, the liker, the person asking to join, the'},
            bases=['Model'],
        ),
        ops.RunPython(notifications_raise_the_page_revision, reverse_code=drop_the_trigger),
    ]
