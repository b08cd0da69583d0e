"""Indexes for what pages read (issue 21): a circle by slug, the home page's circles, a circle's threads by last
activity, a thread's replies in order, a circle's outbox, the blocked domains every page asks for, a person's
circles and unread conversations, and a thread's held edits. Tortoise makes no index for a foreign key: without
these a thread's page walked every reply of the instance."""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0016_circle_names')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Circle',
            index=Index(fields=['slug', 'is_local']),
        ),
        ops.AddIndex(
            model_name='Circle',
            index=Index(fields=['is_local', 'visibility', 'name']),
        ),
        ops.AddIndex(
            model_name='ConversationParty',
            index=Index(fields=['actor_id', 'has_unread']),
        ),
        ops.AddIndex(
            model_name='DomainRule',
            index=Index(fields=['action', 'domain']),
        ),
        ops.AddIndex(
            model_name='Membership',
            index=Index(fields=['actor_id', 'state', 'role']),
        ),
        ops.AddIndex(
            model_name='OutboxActivity',
            index=Index(fields=['circle_id', 'actor_id', 'type', 'id']),
        ),
        ops.AddIndex(
            model_name='Post',
            index=Index(fields=['thread_id', 'published_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Revision',
            index=Index(fields=['thread_id', 'is_proposal']),
        ),
        ops.AddIndex(
            model_name='Revision',
            index=Index(fields=['post_id', 'is_proposal']),
        ),
        ops.AddIndex(
            model_name='Thread',
            index=Index(fields=['circle_id', 'is_pinned', 'last_activity_at', 'id']),
        ),
    ]
