"""Web UI: known devices: a browser where a username signed in before carries a signed cookie, and its sign-in
attempts are counted on their own (domain/login_limits.py), so guessing from elsewhere never slows its owner.

The cookie holds the account's id, a random device id and an HMAC of both (the key is an instance secret); it
is sent only to /login, HttpOnly, SameSite=Lax, Secure on https. It opens nothing by itself: a password is
still needed, and a stolen cookie gives only its own 5 attempts per 15 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from aiohttp import web

from circlefed.domain.secrets_store import instance_secret
from circlefed.storage.models import Account
from circlefed.web.keys import SETTINGS

COOKIE_NAME = "circlefed_device"
MAX_AGE = 365 * 24 * 3600
KEY_NAME = "device_cookie_key"


async def known_device(request: web.Request, username: str) -> str | None:
    """The device id of a valid cookie issued to `username`'s account, else None."""
    account_id, device = await _read(request)
    if device is None:
        return None
    account = await Account.get_or_none(username=username.lower())
    return device if account is not None and account.id == account_id else None


async def remember_device(request: web.Request, response: web.StreamResponse, account: Account) -> None:
    """After a successful sign-in: the browser keeps (or gets) its device cookie for this account."""
    account_id, device = await _read(request)
    if device is None or account_id != account.id:
        device = secrets.token_urlsafe(16)
    value = f"{account.id}.{device}.{await _signature(account.id, device)}"
    secure = request.app[SETTINGS].instance.scheme == "https"
    response.set_cookie(
        COOKIE_NAME, value, max_age=MAX_AGE, path="/login", httponly=True, samesite="Lax", secure=secure
    )


async def _read(request: web.Request) -> tuple[int | None, str | None]:
    account_id, _, rest = request.cookies.get(COOKIE_NAME, "").partition(".")
    device, _, signature = rest.partition(".")
    if not account_id.isdigit() or not device or len(device) > 64:
        return None, None
    expected = await _signature(int(account_id), device)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return None, None
    return int(account_id), device


async def _signature(account_id: int, device: str) -> str:
    key = await instance_secret(KEY_NAME, lambda: secrets.token_urlsafe(32))
    return hmac.new(key.encode(), f"{account_id}.{device}".encode(), hashlib.sha256).hexdigest()
