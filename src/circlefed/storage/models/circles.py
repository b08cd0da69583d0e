"""Storage: circles, the memberships in them and the names people chose for each."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Visibility(StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"
    LOCAL = "local"


class Role(StrEnum):
    MEMBER = "member"
    FACILITATOR = "facilitator"


class MembershipState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    # Banned by a facilitator: not a member while the ban lasts (every "approved" check leaves them out); the
    # CircleBan row keeps the state to restore when it is lifted.
    BANNED = "banned"


class Circle(Model):
    """A peer-support circle (a Group actor): hosted here (is_local) or a remote circle local members joined."""

    id = fields.IntField(primary_key=True)
    actor = fields.OneToOneField("models.Actor", related_name="circle", on_delete=fields.CASCADE)
    is_local = fields.BooleanField(default=True)
    slug = fields.CharField(max_length=64)
    name = fields.CharField(max_length=255)
    description = fields.TextField(default="")
    rules_source = fields.TextField(default="")
    rules_html = fields.TextField(default="")
    visibility = fields.CharEnumField(Visibility, default=Visibility.PUBLIC, max_length=16)
    requires_approval = fields.BooleanField(default=False)
    posting_restricted_to_mods = fields.BooleanField(default=False)
    retention_days = fields.IntField(null=True)
    # Bumped when facilitators require members to acknowledge changed ground rules again.
    rules_version = fields.IntField(default=1)
    # Members may write private messages to each other (facilitators and members always may write to each other).
    members_may_message = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "circles"
        # A circle's page finds it by slug; the home page lists local circles of a level by name.
        indexes = (("slug", "is_local"), ("is_local", "visibility", "name"))


class Membership(Model):
    """An actor's place in a circle: its role and whether the join was approved."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="memberships", on_delete=fields.CASCADE)
    actor = fields.ForeignKeyField("models.Actor", related_name="memberships", on_delete=fields.CASCADE)
    role = fields.CharEnumField(Role, default=Role.MEMBER, max_length=16)
    state = fields.CharEnumField(MembershipState, default=MembershipState.PENDING, max_length=16)
    follow_activity_uri = fields.CharField(max_length=2048, null=True)
    pseudonym = fields.CharField(max_length=64, null=True)
    rules_acknowledged_at = fields.DatetimeField(null=True)
    rules_version_acknowledged = fields.IntField(null=True)
    # Approved while the circle was public: facilitators review these people when the circle becomes confidential.
    joined_while_public = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "memberships"
        unique_together = (("circle", "actor"),)
        indexes = (("actor_id", "state", "role"),)  # a person's circles, and whether they facilitate any


class CircleName(Model):
    """The name a person chose for one circle. It outlives their membership: leaving and joining again (or being
    removed and let back in) keeps the name they chose, as their posts on other instances do."""

    id = fields.IntField(primary_key=True)
    circle = fields.ForeignKeyField("models.Circle", related_name="chosen_names", on_delete=fields.CASCADE)
    actor = fields.ForeignKeyField("models.Actor", related_name="chosen_names", on_delete=fields.CASCADE)
    name = fields.CharField(max_length=64)

    class Meta:
        table = "circle_names"
        unique_together = (("circle", "actor"),)
