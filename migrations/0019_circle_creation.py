"""Circles from the web (issue 17): who may create them (an instance setting), and invitations to one circle."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from circlefed.storage.models import CircleCreators


class Migration(migrations.Migration):
    dependencies = [('models', '0018_password_resets')]

    initial = False

    operations = [
        ops.AddField(
            model_name='InstancePolicy',
            name='circle_creators',
            field=fields.CharEnumField(default=CircleCreators.ADMINS, description='ADMINS: admins\nFACILITATORS: facilitators\nMEMBERS: members', enum_type=CircleCreators, max_length=16),
        ),
        ops.AlterModelOptions(
            name='Invite',
            options={'table': 'invites', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A single-use invitation to register, or to one circle, stored as a hash of its token.'},
        ),
        ops.AddField(
            model_name='Invite',
            name='circle',
            field=fields.ForeignKeyField('models.Circle', source_field='circle_id', null=True, db_constraint=True, to_field='id', related_name='invites', on_delete=OnDelete.CASCADE),
        ),
    ]
