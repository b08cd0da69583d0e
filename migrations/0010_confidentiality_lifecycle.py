"""Confidentiality over time: what each thread and reply was written for (its audience), bans that suspend the
membership (state `banned`, the state to restore kept with the ban), whether a ban's reason is shared, and who
joined a circle while it was public.

Existing rows: a post's audience is its circle's level today (the widest it can have been shown to since the
last change); a membership whose ban still lasts becomes `banned`, remembering that it was approved.

On SQLite the change of the memberships' state column rebuilds the table without its unique (circle, actor)
index (as 0003 lost the deliveries' indexes): it is created again under the name the model gives it."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from circlefed.storage.models import MembershipState, Visibility

UNIQUE_MEMBERSHIPS = [
    'CREATE UNIQUE INDEX IF NOT EXISTS "uid_memberships_circle__599318" ON "memberships" ("circle_id", "actor_id")',
]
BACKFILL = [  # fixed text only, no values
    "UPDATE threads SET audience = (SELECT visibility FROM circles WHERE circles.id = threads.circle_id)",
    "UPDATE posts SET audience = (SELECT threads.audience FROM threads WHERE threads.id = posts.thread_id)",
    "UPDATE circle_bans SET previous_state = 'approved' WHERE EXISTS (SELECT 1 FROM memberships m WHERE "
    "m.circle_id = circle_bans.circle_id AND m.actor_id = circle_bans.actor_id AND m.state = 'approved')",
    "UPDATE memberships SET state = 'banned', role = 'member' WHERE state = 'approved' AND EXISTS (SELECT 1 FROM "
    "circle_bans b WHERE b.circle_id = memberships.circle_id AND b.actor_id = memberships.actor_id)",
]

class Migration(migrations.Migration):
    dependencies = [('models', '0009_account_sessions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CircleBan',
            name='previous_state',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='CircleBan',
            name='reason_shared',
            field=fields.BooleanField(default=False),
        ),
        ops.AlterField(
            model_name='Membership',
            name='state',
            field=fields.CharEnumField(default=MembershipState.PENDING, description='PENDING: pending\nAPPROVED: approved\nREJECTED: rejected\nBANNED: banned', enum_type=MembershipState, max_length=16),
        ),
        ops.AddField(
            model_name='Membership',
            name='joined_while_public',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Post',
            name='audience',
            field=fields.CharEnumField(default=Visibility.PUBLIC, description='PUBLIC: public\nMEMBERS: members\nLOCAL: local', enum_type=Visibility, max_length=16),
        ),
        ops.AddField(
            model_name='Thread',
            name='audience',
            field=fields.CharEnumField(default=Visibility.PUBLIC, description='PUBLIC: public\nMEMBERS: members\nLOCAL: local', enum_type=Visibility, max_length=16),
        ),
        ops.RunSQL(UNIQUE_MEMBERSHIPS + BACKFILL, reverse_sql=ops.RunSQL.noop),
    ]
