"""Storage: servers this instance knows (itself too), admins' rules for remote domains, actors, signatures seen."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class DomainAction(StrEnum):
    """What the admin decided for a remote domain (enforced by policy/gate.py)."""

    ALLOW = "allow"
    BLOCK = "block"
    SILENCE = "silence"
    REJECT_MEDIA = "reject_media"


class SignatureScheme(StrEnum):
    CAVAGE = "cavage"
    RFC9421 = "rfc9421"


class Instance(Model):
    """A domain circlefed knows: this instance itself or a remote server (authority host[:port])."""

    id = fields.IntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    is_local = fields.BooleanField(default=False)
    software = fields.CharField(max_length=64, null=True)
    software_version = fields.CharField(max_length=64, null=True)
    shared_inbox_uri = fields.CharField(max_length=2048, null=True)
    # The HTTP signature scheme this host accepted last (cavage first; RFC 9421 after a 401).
    signature_scheme = fields.CharEnumField(SignatureScheme, null=True, max_length=16)
    failure_count = fields.IntField(default=0)
    backoff_until = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "instances"


class DomainRule(Model):
    """An admin's rule for one remote domain: allow (allowlist mode), block, silence or reject media."""

    id = fields.IntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    action = fields.CharEnumField(DomainAction, max_length=16)
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "domain_rules"
        # Every page asks which domains are blocked or silenced (their people's posts are hidden).
        indexes = (("action", "domain"),)


class SeenSignature(Model):
    """Replay cache: a signature accepted once is refused again until it would have expired anyway."""

    id = fields.IntField(primary_key=True)
    replay_key = fields.CharField(max_length=128, unique=True)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "seen_signatures"


class Actor(Model):
    """An ActivityPub actor, local (with its private key) or remote (cached document and public key)."""

    id = fields.IntField(primary_key=True)
    uri = fields.CharField(max_length=2048, unique=True)
    type = fields.CharField(max_length=32)
    instance = fields.ForeignKeyField("models.Instance", related_name="actors", on_delete=fields.CASCADE)
    is_local = fields.BooleanField(default=False)
    # Set only for local actors: one namespace for members, circles and the instance actor (WebFinger).
    local_name = fields.CharField(max_length=64, null=True, unique=True)
    preferred_username = fields.CharField(max_length=255)
    display_name = fields.CharField(max_length=255, default="")
    summary = fields.TextField(default="")
    url = fields.CharField(max_length=2048, null=True)
    inbox_uri = fields.CharField(max_length=2048, null=True)
    shared_inbox_uri = fields.CharField(max_length=2048, null=True)
    outbox_uri = fields.CharField(max_length=2048, null=True)
    followers_uri = fields.CharField(max_length=2048, null=True)
    public_key_id = fields.CharField(max_length=2048, null=True, db_index=True)
    public_key_pem = fields.TextField(null=True)
    private_key_pem = fields.TextField(null=True)
    document = fields.JSONField(null=True)
    fetched_at = fields.DatetimeField(null=True)
    # A local member who deleted their account: the row (and key) stays to sign the Delete, the name stays taken.
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "actors"

    def __str__(self) -> str:
        return self.uri
