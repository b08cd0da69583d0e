"""Storage: apps that act for members (OAuth 2.0 clients), their authorization codes and access tokens.

Secrets are never stored: a client secret, a code and a token are kept only as their SHA-256 hashes.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OAuthApp(Model):
    """An app registered at POST /api/v1/apps (or /oauth/register): its client id, the hash of its secret, the
    redirect URIs (one a line) and the scopes (space separated) it may ask for."""

    id = fields.IntField(primary_key=True)
    client_id = fields.CharField(max_length=64, unique=True)
    client_secret_hash = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200)
    website = fields.CharField(max_length=2048, default="")
    redirect_uris = fields.TextField()
    scopes = fields.CharField(max_length=1024)
    created_at = fields.DatetimeField()

    class Meta:
        table = "oauth_apps"


class OAuthCode(Model):
    """An authorization code a member granted an app on the consent page: short-lived and single use (used_at),
    with its PKCE challenge (S256), the redirect URI it was asked with and the scopes granted."""

    id = fields.IntField(primary_key=True)
    code_hash = fields.CharField(max_length=64, unique=True)
    app = fields.ForeignKeyField("models.OAuthApp", related_name="codes", on_delete=fields.CASCADE)
    account = fields.ForeignKeyField("models.Account", related_name="oauth_codes", on_delete=fields.CASCADE)
    redirect_uri = fields.CharField(max_length=2048)
    scopes = fields.CharField(max_length=1024)
    code_challenge = fields.CharField(max_length=128, default="")
    code_challenge_method = fields.CharField(max_length=16, default="")
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_codes"


class OAuthToken(Model):
    """An access token (Bearer): only its SHA-256 hash is kept. account is empty for an app-only token
    (client_credentials). code: the authorization code it came from, so that a replayed code revokes it."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    app = fields.ForeignKeyField("models.OAuthApp", related_name="tokens", on_delete=fields.CASCADE)
    account = fields.ForeignKeyField(
        "models.Account", related_name="oauth_tokens", null=True, on_delete=fields.CASCADE
    )
    code = fields.ForeignKeyField("models.OAuthCode", related_name="tokens", null=True, on_delete=fields.SET_NULL)
    scopes = fields.CharField(max_length=1024)
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_tokens"
        indexes = (("account_id", "app_id"),)
