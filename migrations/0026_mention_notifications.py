"""A notification kind more: a local post names the member (a mention)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from circlefed.storage.models.notifications import NotificationKind


class NewKindOnly(ops.AlterField):
    """The kind column's choices grow: its description (a comment in the schema) is all that changes, and on SQLite
    altering it would rebuild the table without its indexes and page revision triggers. The state changes alone."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0025_full_text_search')]

    initial = False

    operations = [
        NewKindOnly(
            model_name='Notification',
            name='kind',
            field=fields.CharEnumField(description='REPLY: reply\nLIKE: like\nJOIN_APPROVED: join_approved\nJOIN_DECLINED: join_declined\nJOIN_REQUEST: join_request\nREPORT: report\nHELD_POST: held_post\nPOST_APPROVED: post_approved\nPOST_DECLINED: post_declined\nMENTION: mention', enum_type=NotificationKind, max_length=16),
        ),
    ]
