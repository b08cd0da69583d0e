"""Web UI: signed-in sessions: an encrypted cookie (aiohttp-session) carrying the token of an account_sessions row.

The cookie key is a secret kept in the database. Who is signed in is decided by the row alone: signing out
deletes it, so a copy of the cookie taken before opens nothing afterwards. The cookie is HttpOnly, SameSite=Lax
and Secure whenever the instance's base URL is https; a plain-http base URL is meant for local development only
(the cookie then travels unencrypted by TLS).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp_session import AbstractStorage, Session, get_session, new_session, session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from circlefed.domain.account_sessions import LIFETIME, describe_browser, end_session, resolve_session, start_session
from circlefed.domain.secrets_store import instance_secret
from circlefed.storage.models import Account, AccountSession
from circlefed.web.keys import CLOCK, SETTINGS

log = logging.getLogger(__name__)

COOKIE_NAME = "circlefed_session"
SESSION_MAX_AGE = int(LIFETIME.total_seconds())  # the browser drops the cookie when the session row expires
SESSION_KEY_NAME = "session_key"
_SID = "sid"  # where the cookie keeps the token of its account_sessions row
_VIEWER = web.RequestKey("circlefed_viewer", object)
_ROW = web.RequestKey("circlefed_session_row", object)
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
    """The signed-in account, or None: no session, a session that ended or expired, or a disabled account."""
    cached = request.get(_VIEWER, _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    row = await current_session(request)
    account = None if row is None else row.account
    request[_VIEWER] = account
    return account


async def current_session(request: web.Request) -> AccountSession | None:
    """This browser's live session row (its account loaded), or None."""
    cached = request.get(_ROW, _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    session = await get_session(request)
    token = session.get(_SID)
    row = None
    if isinstance(token, str):
        row = await resolve_session(token, now=request.app[CLOCK].now())
        if row is None:
            del session[_SID]  # ended elsewhere or expired: stop looking it up on every request
    request[_ROW] = row
    return row


async def log_in(request: web.Request, account: Account) -> None:
    """Start a fresh session for `account` (a new cookie session and CSRF token: nothing from before survives)."""
    now = request.app[CLOCK].now()
    session = await new_session(request)
    started = await start_session(account, browser=describe_browser(request.headers.get("User-Agent", "")), now=now)
    session[_SID] = started.token
    account.last_login_at = now
    await account.save(update_fields=["last_login_at"])
    started.row.account = account
    request[_ROW] = started.row
    request[_VIEWER] = account
    log.info("account %d signed in (session %d)", account.id, started.row.id)


async def log_out(request: web.Request) -> None:
    """End this browser's session on the server and empty its cookie."""
    session = await get_session(request)
    token = session.get(_SID)
    if isinstance(token, str):
        await end_session(token)
    session.invalidate()
    request[_ROW] = None
    request[_VIEWER] = None
