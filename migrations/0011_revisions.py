"""Edits through the safety net: earlier texts of threads and replies kept for facilitators, held edits waiting
for a decision, and the note a facilitator gives the author of a declined post."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from circlefed.storage.models import ReviewState


class Migration(migrations.Migration):
    dependencies = [('models', '0010_confidentiality_lifecycle')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Revision',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('thread', fields.ForeignKeyField('models.Thread', source_field='thread_id', null=True, db_constraint=True, to_field='id', related_name='revisions', on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('models.Post', source_field='post_id', null=True, db_constraint=True, to_field='id', related_name='revisions', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('models.Actor', source_field='author_id', db_constraint=True, to_field='id', related_name='revisions', on_delete=OnDelete.CASCADE)),
                ('is_proposal', fields.BooleanField(default=False)),
                ('state', fields.CharEnumField(default=ReviewState.VISIBLE, description='VISIBLE: visible\nHELD: held\nREJECTED: rejected', enum_type=ReviewState, max_length=16)),
                ('title', fields.CharField(default='', max_length=255)),
                ('source', fields.TextField(default='', unique=False)),
                ('content_html', fields.TextField(default='', unique=False)),
                ('content_warning', fields.CharField(null=True, max_length=255)),
                ('review_reason', fields.TextField(null=True, unique=False)),
                ('decision_note', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'revisions', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A version of a thread or reply other than the one shown: an earlier text an edit replaced (history,'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Post',
            name='review_note',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='Thread',
            name='review_note',
            field=fields.TextField(default='', unique=False),
        ),
    ]
