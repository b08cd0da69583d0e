"""Notifications read one by one on the notifications page (read_at; "mark all read" moves the notifications
read marker apps share instead), and two more kinds: a member's held post approved or declined."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from circlefed.storage.models.notifications import NotificationKind


class NewKindsOnly(ops.AlterField):
    """The kind column's choices grow: its description (a comment in the schema) is all that changes, and on SQLite
    altering it would rebuild the table without its indexes and page revision triggers. The state changes alone."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0023_notifications')]

    initial = False

    operations = [
        NewKindsOnly(
            model_name='Notification',
            name='kind',
            field=fields.CharEnumField(description='REPLY: reply\nLIKE: like\nJOIN_APPROVED: join_approved\nJOIN_DECLINED: join_declined\nJOIN_REQUEST: join_request\nREPORT: report\nHELD_POST: held_post\nPOST_APPROVED: post_approved\nPOST_DECLINED: post_declined', enum_type=NotificationKind, max_length=16),
        ),
        ops.AddField(
            model_name='Notification',
            name='read_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
