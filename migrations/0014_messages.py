"""Private messages: conversations between two people opened in a circle, their parties and messages, and the
circle setting that lets members write to each other."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0013_report_category')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Conversation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('circle', fields.ForeignKeyField('models.Circle', source_field='circle_id', null=True, db_constraint=True, to_field='id', related_name='conversations', on_delete=OnDelete.SET_NULL)),
                ('started_by', fields.ForeignKeyField('models.Actor', source_field='started_by_id', db_constraint=True, to_field='id', related_name='conversations_started', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_message_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'conversations', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Private messages between two people, opened in a circle (its context): a facilitator and a member, or two'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConversationParty',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('conversation', fields.ForeignKeyField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='parties', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='conversation_parties', on_delete=OnDelete.CASCADE)),
                ('voice', fields.ForeignKeyField('models.Actor', source_field='voice_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='voiced_parties', on_delete=OnDelete.CASCADE)),
                ('has_unread', fields.BooleanField(default=False)),
            ],
            options={'table': 'conversation_parties', 'app': 'models', 'unique_together': (('conversation', 'actor'),), 'pk_attr': 'id', 'table_description': 'One of the two people in a conversation: who they are here, the actor that speaks for a local party to'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('uri', fields.CharField(unique=True, max_length=2048)),
                ('conversation', fields.ForeignKeyField('models.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.Actor', source_field='author_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('source', fields.TextField(default='', unique=False)),
                ('content_html', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'messages', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One private message (a direct Note to a remote party): its author is the person, never the pseudonym.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Circle',
            name='members_may_message',
            field=fields.BooleanField(default=False),
        ),
    ]
