"""Web UI: signed-in sessions in an encrypted cookie (aiohttp-session), keyed by a secret kept in the database.

The cookie is HttpOnly, SameSite=Lax and Secure whenever the instance's base URL is https; a plain-http base
URL is meant for local development only (the cookie then travels unencrypted by TLS).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp_session import AbstractStorage, Session, get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from circlefed.domain.secrets_store import instance_secret
from circlefed.storage.models import Account
from circlefed.web.keys import CLOCK, SETTINGS

log = logging.getLogger(__name__)

COOKIE_NAME = "circlefed_session"
SESSION_MAX_AGE = 14 * 86400  # seconds; the encrypted cookie also expires server-side after this long
SESSION_KEY_NAME = "session_key"
_VIEWER = web.RequestKey("circlefed_viewer", object)
_UNSET = object()


class DatabaseKeyedStorage(AbstractStorage):
    """EncryptedCookieStorage whose key is read (or created) in the database on the first request.

    Every web process of the instance shares the key, so a cookie set by one is read by the others.
    """

    def __init__(self, *, secure: bool) -> None:
        self._params = {
            "cookie_name": COOKIE_NAME,
            "max_age": SESSION_MAX_AGE,
            "httponly": True,
            "samesite": "Lax",
            "secure": secure,
        }
        super().__init__(**self._params)
        self._inner: EncryptedCookieStorage | None = None
        self._lock = asyncio.Lock()

    async def _storage(self) -> EncryptedCookieStorage:
        if self._inner is None:
            async with self._lock:
                if self._inner is None:
                    key = await instance_secret(SESSION_KEY_NAME, lambda: Fernet.generate_key().decode())
                    self._inner = EncryptedCookieStorage(Fernet(key.encode()), **self._params)
        return self._inner

    async def load_session(self, request: web.Request) -> Session:
        return await (await self._storage()).load_session(request)

    async def save_session(self, request: web.Request, response: web.StreamResponse, session: Session) -> None:
        await (await self._storage()).save_session(request, response, session)


def sessions_middleware(app: web.Application):
    """The session middleware (it runs after the app's own middlewares: the database is bound by then)."""
    secure = app[SETTINGS].instance.scheme == "https"
    return session_middleware(DatabaseKeyedStorage(secure=secure))


async def current_account(request: web.Request) -> Account | None:
    """The signed-in account, or None; disabled, unapproved or signed-out-everywhere accounts count as None."""
    cached = request.get(_VIEWER, _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    account = await _account_of(await get_session(request))
    request[_VIEWER] = account
    return account


async def _account_of(session: Session) -> Account | None:
    account_id = session.get("account_id")
    if not isinstance(account_id, int):
        return None
    account = await Account.get_or_none(id=account_id)
    if account is None or account.is_disabled or not account.is_approved:
        return None
    if session.get("epoch") != account.session_epoch:
        return None
    return account


async def log_in(request: web.Request, account: Account) -> None:
    """Start a fresh session for `account` (a new session and CSRF token: nothing from before survives)."""
    session = await new_session(request)
    session["account_id"] = account.id
    session["epoch"] = account.session_epoch
    account.last_login_at = request.app[CLOCK].now()
    await account.save(update_fields=["last_login_at"])
    request[_VIEWER] = account
    log.info("account %s signed in", account.username)


async def log_out(request: web.Request) -> None:
    session = await get_session(request)
    session.invalidate()
    request[_VIEWER] = None
