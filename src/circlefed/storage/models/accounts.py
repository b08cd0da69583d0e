"""Storage: local logins: accounts, their signed-in sessions, invitations, password resets and failed sign-ins."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Account(Model):
    """A local login: a member of this instance (and maybe its admin)."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=255)
    email = fields.CharField(max_length=255, null=True)
    is_admin = fields.BooleanField(default=False)
    is_disabled = fields.BooleanField(default=False)
    # Registration mode `approval`: the account waits (cannot log in) until an admin approves it.
    is_approved = fields.BooleanField(default=True)
    join_reason = fields.TextField(default="")
    # No longer read: sign-ins are rows of account_sessions. Kept because dropping a column on SQLite rebuilds the
    # accounts table, which other tables reference (their foreign-key actions would fire on the rebuild).
    session_epoch = fields.IntField(default=0)
    actor = fields.OneToOneField("models.Actor", related_name="account", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "accounts"


class AccountSession(Model):
    """One signed-in browser of an account: its cookie carries a random token, stored here only as a SHA-256 hash.

    Signing out deletes the row, so a copy of the cookie opens nothing afterwards. A session lasts a fixed time
    from sign-in (expires_at), however active; last_seen_at is refreshed at most every few minutes.
    """

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    account = fields.ForeignKeyField(
        "models.Account", related_name="sessions", on_delete=fields.CASCADE, db_index=True
    )
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)
    # A short description such as "Firefox on Linux", never the full User-Agent string.
    browser = fields.CharField(max_length=100, default="")

    class Meta:
        table = "account_sessions"


class Invite(Model):
    """A single-use invitation to register, or to one circle, stored as a hash of its token."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_by = fields.ForeignKeyField(
        "models.Account", related_name="invites_created", null=True, on_delete=fields.SET_NULL
    )
    note = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_by = fields.ForeignKeyField("models.Account", related_name="invite_used", null=True, on_delete=fields.SET_NULL)
    used_at = fields.DatetimeField(null=True)
    # An invitation to one circle: whoever uses it joins that circle at once (and may register to do so).
    circle = fields.ForeignKeyField("models.Circle", related_name="invites", null=True, on_delete=fields.CASCADE)

    class Meta:
        table = "invites"


class PasswordReset(Model):
    """A one-time link an admin gave a member to set a new password (only a hash of the token is kept)."""

    id = fields.IntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="password_resets", on_delete=fields.CASCADE)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "password_resets"


class LoginFailure(Model):
    """One failed sign-in, keyed by username and by client address bucket: the shared rate-limit record."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=255)
    failed_at = fields.DatetimeField()

    class Meta:
        table = "login_failures"
        indexes = (("key", "failed_at"),)


class LoginLockout(Model):
    """A sign-in limit reached (for the admins' list of recent lockouts): which name, which limit, from where, until
    when. Kept for a week; the address is the counted bucket (IPv6: its /64), "" for a limit across addresses."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=16)  # domain/login_limits.py: PAIR, ADDRESS, DEVICE or SLOWED
    address = fields.CharField(max_length=64, default="")
    failures = fields.IntField()
    started_at = fields.DatetimeField(db_index=True)
    until = fields.DatetimeField()

    class Meta:
        table = "login_lockouts"
