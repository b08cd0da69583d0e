"""Reports carry why a member reported (a category; existing reports and Flags without one are `other`), and an
open report keeps a key of its reporter and reported object so that one person has one open report per post."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from circlefed.storage.models import ReportCategory


class Migration(migrations.Migration):
    dependencies = [('models', '0012_login_lockouts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Report',
            name='category',
            field=fields.CharEnumField(default=ReportCategory.OTHER, description='GROUND_RULES: ground_rules\nHARMFUL_ADVICE: harmful_advice\nCRISIS_CONCERN: crisis_concern\nHARASSMENT: harassment\nSPAM: spam\nOTHER: other', enum_type=ReportCategory, max_length=32),
        ),
        ops.AddField(
            model_name='Report',
            name='open_key',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
    ]
