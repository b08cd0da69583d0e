"""Storage: private messages: conversations, their two parties and the messages."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Conversation(Model):
    """Private messages between two people, opened in a circle (its context): a facilitator and a member, or two
    members where the circle allows it. Never in a collection, a count or a listing of anything else."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="conversations", null=True, on_delete=fields.SET_NULL)
    started_by = fields.ForeignKeyField("models.Actor", related_name="conversations_started", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField()
    last_message_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "conversations"


class ConversationParty(Model):
    """One of the two people in a conversation: who they are here, the actor that speaks for a local party to
    other instances (their per-circle pseudonym in a members circle), and whether they have read everything."""

    id = fields.IntField(primary_key=True)
    conversation = fields.ForeignKeyField("models.Conversation", related_name="parties", on_delete=fields.CASCADE)
    actor = fields.ForeignKeyField("models.Actor", related_name="conversation_parties", on_delete=fields.CASCADE)
    # Set for a local party of a conversation with a remote one, when the first message leaves: it stays.
    voice = fields.ForeignKeyField(
        "models.Actor", related_name="voiced_parties", null=True, on_delete=fields.CASCADE, db_index=True
    )
    has_unread = fields.BooleanField(default=False)

    class Meta:
        table = "conversation_parties"
        unique_together = (("conversation", "actor"),)
        indexes = (("actor_id", "has_unread"),)  # every page counts the viewer's unread conversations


class Message(Model):
    """One private message (a direct Note to a remote party): its author is the person, never the pseudonym."""

    id = fields.IntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    conversation = fields.ForeignKeyField("models.Conversation", related_name="messages", on_delete=fields.CASCADE)
    author = fields.ForeignKeyField("models.Actor", related_name="messages", on_delete=fields.CASCADE)
    source = fields.TextField(default="")
    content_html = fields.TextField(default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "messages"
