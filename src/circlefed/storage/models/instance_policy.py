"""Storage: the admin-editable policy of this instance, the partners it trusts and the secrets it generated."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class FederationMode(StrEnum):
    OPEN = "open"
    ALLOWLIST = "allowlist"
    CLOSED = "closed"


class RegistrationMode(StrEnum):
    OPEN = "open"
    INVITE = "invite"
    APPROVAL = "approval"
    CLOSED = "closed"


class CircleCreators(StrEnum):
    """Who may start a new circle from the web: the admins only (the default), facilitators too, or any member."""

    ADMINS = "admins"
    FACILITATORS = "facilitators"
    MEMBERS = "members"


class InstancePolicy(Model):
    """The admin-editable policy of this instance (one row): federation mode now, more knobs later."""

    id = fields.IntField(primary_key=True)
    federation_mode = fields.CharEnumField(FederationMode, default=FederationMode.OPEN, max_length=16)
    registration_mode = fields.CharEnumField(RegistrationMode, default=RegistrationMode.APPROVAL, max_length=16)
    # Confidentiality: other instances see per-circle pseudonyms unless the admin allows real names.
    share_real_names = fields.BooleanField(default=False)
    # Members circles federate to software that does not honour privacy only when the admin says so.
    members_circles_to_untrusted_software = fields.BooleanField(default=False)
    crisis_resources = fields.TextField(default="")
    hold_first_posts = fields.BooleanField(default=False)
    forward_reports_to_author_instance = fields.BooleanField(default=False)
    # Shown on the pages instead of the settings file's instance.name/description when set by an admin.
    instance_name = fields.CharField(max_length=255, null=True)
    instance_description = fields.TextField(null=True)
    circle_creators = fields.CharEnumField(CircleCreators, default=CircleCreators.ADMINS, max_length=16)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "instance_policy"


class TrustedInstance(Model):
    """A partner instance the admin trusts with members circles (confidential content may go there)."""

    id = fields.IntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    note = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "trusted_instances"


class InstanceSecret(Model):
    """A secret generated on first use and shared by every process (e.g. the session cookie key). Never logged."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    value = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "instance_secrets"
