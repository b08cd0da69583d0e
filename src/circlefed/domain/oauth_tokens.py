"""Domain: OAuth secrets (client secrets, codes, access tokens: random, shown once, stored as SHA-256 hashes),
PKCE (S256 only), client authentication, and looking up the live token behind a Bearer header."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from authlib.oauth2.rfc6749 import InvalidClientError, InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7636.challenge import (
    CODE_CHALLENGE_PATTERN,
    CODE_VERIFIER_PATTERN,
    compare_s256_code_challenge,
)

from circlefed.storage.models import Account, OAuthApp, OAuthToken

log = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=10)
USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often
CHALLENGE_METHODS = ("S256",)  # plain is refused: it protects nothing against a reader of the request


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_challenge(challenge: str, method: str) -> tuple[str, str]:
    """The PKCE challenge of an authorization request, checked: (challenge, "S256"), or ("", "") without one."""
    if not challenge and not method:
        return "", ""
    if not challenge:
        raise InvalidRequestError(description="code_challenge_method was given without a code_challenge.")
    if method != "S256":
        raise InvalidRequestError(description="code_challenge_method must be S256 (plain is not accepted).")
    if not CODE_CHALLENGE_PATTERN.match(challenge):
        raise InvalidRequestError(description="code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~.")
    return challenge, method


def check_verifier(challenge: str, verifier: str) -> None:
    """A code issued with a challenge needs the verifier whose S256 hash it is; one issued without needs none."""
    if not challenge:
        if verifier:
            raise InvalidGrantError(description="This code was issued without a code_challenge: send no "
                                    "code_verifier.")
        return
    if not verifier:
        raise InvalidGrantError(description="code_verifier is required: the code was issued with a code_challenge.")
    if not CODE_VERIFIER_PATTERN.match(verifier) or not compare_s256_code_challenge(verifier, challenge):
        raise InvalidGrantError(description="The code_verifier does not match the code_challenge.")


async def find_app(client_id: str) -> OAuthApp | None:
    if not client_id or len(client_id) > 64:
        return None
    return await OAuthApp.get_or_none(client_id=client_id)


async def authenticate_client(client_id: str, client_secret: str) -> OAuthApp:
    """The app whose id and secret these are; otherwise invalid_client (401), the same for both mistakes."""
    app = await find_app(client_id)
    ok = app is not None and bool(client_secret) and hmac.compare_digest(
        app.client_secret_hash, hash_secret(client_secret)
    )
    if not ok:
        log.info("oauth: client authentication refused (unknown client or wrong secret)")
        raise InvalidClientError(description="Client authentication failed: unknown client_id or wrong "
                                 "client_secret.", status_code=401)
    assert app is not None
    return app


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of a Bearer token: the live row (app and account loaded), or why it was refused."""

    token: OAuthToken | None
    reason: str = ""


async def resolve_token(token: str, *, now: datetime) -> TokenCheck:
    """The live token for a Bearer header: not unknown, not revoked, its member still allowed to sign in.
    last_used_at is refreshed at most once a minute."""
    if not token or len(token) > 200:
        return TokenCheck(None, "malformed")
    row = await OAuthToken.get_or_none(token_hash=hash_secret(token)).select_related("app", "account")
    if row is None:
        return TokenCheck(None, "unknown")
    if row.revoked_at is not None:
        return TokenCheck(None, f"revoked (token {row.id})")
    account: Account | None = row.account
    if account is not None and (account.is_disabled or not account.is_approved):
        return TokenCheck(None, f"account {account.id} may not sign in (token {row.id})")
    if row.last_used_at is None or now - row.last_used_at >= USED_EVERY:
        row.last_used_at = now
        await OAuthToken.filter(id=row.id).update(last_used_at=now)
    return TokenCheck(row)


@dataclass(frozen=True)
class AuthorisedApp:
    """One app holding live tokens of a member, for the Apps list on /account."""

    app: OAuthApp
    scopes: tuple[str, ...]
    authorised_at: datetime
    last_used_at: datetime | None


async def apps_of(account: Account) -> list[AuthorisedApp]:
    """The apps holding a live token of `account`: each once, with the union of its tokens' scopes."""
    rows = await OAuthToken.filter(account_id=account.id, revoked_at=None).select_related("app").order_by("id")
    found: dict[int, AuthorisedApp] = {}
    for row in rows:
        seen = found.get(row.app_id)  # type: ignore[attr-defined]
        scopes = tuple(dict.fromkeys((*(seen.scopes if seen else ()), *row.scopes.split())))
        used = [t for t in (seen.last_used_at if seen else None, row.last_used_at) if t is not None]
        found[row.app_id] = AuthorisedApp(  # type: ignore[attr-defined]
            app=row.app,
            scopes=scopes,
            authorised_at=seen.authorised_at if seen else row.created_at,
            last_used_at=max(used) if used else None,
        )
    return sorted(found.values(), key=lambda item: item.app.name.lower())
