"""The name a person chose for a circle gets a table of its own, so that it outlives the membership (leaving and
joining again keeps it). Existing chosen names are copied from the memberships."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

COPY_CHOSEN_NAMES = [  # fixed text only, no values
    "INSERT INTO circle_names (circle_id, actor_id, name) SELECT circle_id, actor_id, pseudonym FROM memberships "
    "WHERE pseudonym IS NOT NULL AND pseudonym <> ''",
]


class Migration(migrations.Migration):
    dependencies = [('models', '0015_post_language')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CircleName',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('circle', fields.ForeignKeyField('models.Circle', source_field='circle_id', db_constraint=True, to_field='id', related_name='chosen_names', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Actor', source_field='actor_id', db_constraint=True, to_field='id', related_name='chosen_names', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
            ],
            options={'table': 'circle_names', 'app': 'models', 'unique_together': (('circle', 'actor'),), 'pk_attr': 'id', 'table_description': 'The name a person chose for one circle. It outlives their membership: leaving and joining again (or being'},
            bases=['Model'],
        ),
        ops.RunSQL(COPY_CHOSEN_NAMES, reverse_sql=ops.RunSQL.noop),
    ]
