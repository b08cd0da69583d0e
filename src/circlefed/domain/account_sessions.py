"""Domain: sign-in sessions kept as rows: started at sign-in, looked up on every request, ended by signing out.

A session lasts a fixed LIFETIME from sign-in however active it is (a shared computer forgotten signed in does
not stay signed in for ever). The browser's token is stored only as its SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from ua_parser import parse as parse_user_agent

from circlefed.storage.models import Account, AccountSession

log = logging.getLogger(__name__)

LIFETIME = timedelta(days=14)
# last_seen_at is written at most this often: a page view should not cost a database write.
SEEN_EVERY = timedelta(minutes=5)
MAX_BROWSER = 100


@dataclass(frozen=True)
class StartedSession:
    row: AccountSession
    token: str  # goes into the browser's (encrypted) session cookie and nowhere else


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(account: Account, *, browser: str, now: datetime) -> StartedSession:
    """A new session of `account`; expired sessions of every account are purged first (the table stays small)."""
    await purge_expired(now)
    token = secrets.token_urlsafe(32)
    row = await AccountSession.create(
        token_hash=hash_token(token),
        account=account,
        created_at=now,
        last_seen_at=now,
        expires_at=now + LIFETIME,
        browser=browser[:MAX_BROWSER],
    )
    return StartedSession(row=row, token=token)


async def resolve_session(token: str, *, now: datetime) -> AccountSession | None:
    """The live session of `token` (its account loaded), or None: unknown, ended, expired, or the account may no
    longer sign in (an expired row, or any row of a disabled account, is deleted here)."""
    row = await AccountSession.get_or_none(token_hash=hash_token(token)).select_related("account")
    if row is None:
        return None
    account: Account = row.account
    if row.expires_at <= now or account.is_disabled or not account.is_approved:
        await AccountSession.filter(id=row.id).delete()
        log.info("session %d of account %d refused and ended (expired or account disabled)", row.id, account.id)
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
        await AccountSession.filter(id=row.id).update(last_seen_at=now)
    return row


async def sessions_of(account: Account, *, now: datetime) -> list[AccountSession]:
    """The account's live sessions, most recently seen first."""
    rows = AccountSession.filter(account_id=account.id, expires_at__gt=now)
    return await rows.order_by("-last_seen_at", "-id")


async def end_session(token: str) -> None:
    """Sign out the browser holding `token` (nothing happens if it had ended already)."""
    await AccountSession.filter(token_hash=hash_token(token)).delete()


async def end_session_of(account: Account, session_id: int) -> AccountSession | None:
    """End one session of `account`; the ended row, or None if the account has no such session (any more)."""
    row = await AccountSession.get_or_none(id=session_id, account_id=account.id)
    if row is not None:
        await AccountSession.filter(id=row.id).delete()
        log.info("account %d signed out its session %d", account.id, row.id)
    return row


async def end_all_sessions(account: Account) -> int:
    """Sign the account out everywhere; returns how many sessions ended."""
    ended = await AccountSession.filter(account_id=account.id).delete()
    log.info("account %d: %d sessions ended", account.id, ended)
    return ended


async def purge_expired(now: datetime) -> int:
    return await AccountSession.filter(expires_at__lte=now).delete()


def describe_browser(user_agent: str) -> str:
    """A short description such as "Firefox on Linux" to recognise a device by, never the full User-Agent."""
    parsed = parse_user_agent(user_agent[:1000])  # a User-Agent header longer than that is no real browser
    browser = parsed.user_agent.family if parsed.user_agent and parsed.user_agent.family != "Other" else ""
    system = parsed.os.family if parsed.os and parsed.os.family != "Other" else ""
    if browser and system:
        return f"{browser} on {system}"[:MAX_BROWSER]
    return (browser or (f"A browser on {system}" if system else ""))[:MAX_BROWSER]
