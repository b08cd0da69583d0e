"""Domain: account recovery: an admin issues a one-time, expiring link; the member sets a new password with it.

Only a hash of the link's token is stored, so a copy of the database opens no account. One link is live per
account (a new one replaces the last); using it ends every session of the account."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from circlefed.domain.account_sessions import end_all_sessions
from circlefed.domain.passwords import MIN_PASSWORD_LENGTH, hash_password
from circlefed.errors import BadRequest
from circlefed.storage.models import Account, PasswordReset

log = logging.getLogger(__name__)
LIFETIME = timedelta(hours=24)
UNUSABLE = "This link to set a new password has expired or was used already. Ask an admin for a new one."


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_reset(account: Account, *, now: datetime) -> str:
    """A new token for the account's reset link (valid for LIFETIME, once); earlier unused links stop working."""
    token = secrets.token_urlsafe(32)
    async with in_transaction():
        await PasswordReset.filter(account_id=account.id, used_at__isnull=True).delete()
        expires = now + LIFETIME
        await PasswordReset.create(account=account, token_hash=_digest(token), created_at=now, expires_at=expires)
    log.info("password reset link issued for account %s", account.id)
    return token


async def usable_reset(token: str, now: datetime) -> PasswordReset:
    """The live reset a token opens; BadRequest (saying what to do) for a wrong, used or expired one."""
    reset = await PasswordReset.get_or_none(token_hash=_digest(token)) if token else None
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise BadRequest(UNUSABLE)
    return reset


async def reset_password(token: str, new_password: str, *, now: datetime) -> Account:
    """Set the account's new password through its link, which then stops working; every session ends."""
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"The new password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    async with in_transaction():
        reset = await usable_reset(token, now)
        account = await Account.get(id=reset.account_id)  # type: ignore[attr-defined]
        reset.used_at = now
        await reset.save(update_fields=["used_at"])
        account.password_hash = hash_password(new_password)
        await account.save(update_fields=["password_hash"])
        await end_all_sessions(account)
    log.info("account %s set a new password through a reset link", account.id)
    return account
