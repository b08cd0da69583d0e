"""Services: OAuth 2.0 use cases: registering an app, granting an authorization code on the consent page,
exchanging it (or the app's own credentials) for an access token, revoking tokens. Each owns its transaction."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7591.errors import InvalidClientMetadataError
from tortoise.transactions import in_transaction

from circlefed.domain.oauth_redirects import parse_redirect_uris
from circlefed.domain.oauth_scopes import as_text, check_within, parse_scopes
from circlefed.domain.oauth_tokens import (
    CODE_LIFETIME,
    authenticate_client,
    check_verifier,
    hash_secret,
    new_secret,
)
from circlefed.storage.models import Account, OAuthApp, OAuthCode, OAuthToken

log = logging.getLogger(__name__)

MAX_NAME = 200
MAX_WEBSITE = 2048


@dataclass(frozen=True)
class RegisteredApp:
    app: OAuthApp
    client_secret: str  # shown once, in the registration's answer


@dataclass(frozen=True)
class IssuedToken:
    row: OAuthToken
    access_token: str  # shown once, in the token endpoint's answer


async def register_app(
    name: str, redirect_uris: str | list[str] | None, scopes: str | None, website: str, *, now: datetime
) -> RegisteredApp:
    """A new app (client) with its id and secret; refused, saying which field is wrong, on bad metadata."""
    name = (name or "").strip()
    if not name:
        raise InvalidClientMetadataError(description="client_name is required.")
    if len(name) > MAX_NAME:
        raise InvalidClientMetadataError(description=f"client_name can be at most {MAX_NAME} characters long.")
    website = (website or "").strip()
    parts = urlsplit(website)
    if website and (len(website) > MAX_WEBSITE or parts.scheme not in ("http", "https") or not parts.hostname):
        raise InvalidClientMetadataError(description="website must be an http or https address.")
    uris = parse_redirect_uris(redirect_uris)
    granted = parse_scopes(scopes)
    secret = new_secret()
    async with in_transaction():
        app = await OAuthApp.create(
            client_id=secrets.token_urlsafe(32),
            client_secret_hash=hash_secret(secret),
            name=name,
            website=website,
            redirect_uris="\n".join(uris),
            scopes=as_text(granted),
            created_at=now,
        )
    log.info("oauth: app %d registered (%d redirect URIs, scopes %s)", app.id, len(uris), app.scopes)
    return RegisteredApp(app=app, client_secret=secret)


async def grant_code(
    app: OAuthApp,
    account: Account,
    *,
    redirect_uri: str,
    scopes: tuple[str, ...],
    challenge: str,
    method: str,
    now: datetime,
) -> str:
    """The member approved the app on the consent page: a single-use code, valid CODE_LIFETIME."""
    code = new_secret()
    async with in_transaction():
        row = await OAuthCode.create(
            code_hash=hash_secret(code),
            app=app,
            account=account,
            redirect_uri=redirect_uri,
            scopes=as_text(scopes),
            code_challenge=challenge,
            code_challenge_method=method,
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    log.info("oauth: account %d authorised app %d (code %d, scopes %s)", account.id, app.id, row.id, row.scopes)
    return code


async def exchange_code(
    client_id: str, client_secret: str, code: str, redirect_uri: str, verifier: str, *, now: datetime
) -> IssuedToken:
    """grant_type=authorization_code: a code of this client, unexpired, unused, asked with this redirect URI,
    and its PKCE verifier. A code used a second time is refused and the tokens issued from it are revoked
    (RFC 6749 4.1.2): whoever replays it may have stolen it."""
    app = await authenticate_client(client_id, client_secret)
    if not code:
        raise InvalidRequestError(description="code is required.")
    refusal: InvalidGrantError | None = None
    async with in_transaction():
        row = await OAuthCode.get_or_none(code_hash=hash_secret(code), app_id=app.id).select_related("account")
        if row is None:
            raise InvalidGrantError(description="The code is unknown, or was issued to another app.")
        # One statement marks it used: of two requests racing with the same code, one wins.
        first_use = row.used_at is None and await OAuthCode.filter(id=row.id, used_at=None).update(used_at=now) == 1
        if not first_use:
            revoked = await OAuthToken.filter(code_id=row.id, revoked_at=None).update(revoked_at=now)
            log.warning("oauth: code %d of app %d used again: refused, %d tokens revoked", row.id, app.id, revoked)
            refusal = InvalidGrantError(description="The code was already used: the tokens issued from it are "
                                        "revoked.")
        else:
            refusal = _code_refusal(row, redirect_uri, verifier, now)
            if refusal is None:
                token = new_secret()
                issued = await OAuthToken.create(
                    token_hash=hash_secret(token), app=app, account=row.account, code=row, scopes=row.scopes,
                    created_at=now,
                )
    if refusal is not None:  # raised after the commit: the code stays spent and the revocation stays done
        log.info("oauth: code exchange for app %d refused: %s", app.id, refusal.description)
        raise refusal
    log.info("oauth: token %d issued to app %d for account %d", issued.id, app.id, row.account.id)
    return IssuedToken(row=issued, access_token=token)


def _code_refusal(row: OAuthCode, redirect_uri: str, verifier: str, now: datetime) -> InvalidGrantError | None:
    if row.expires_at <= now:
        return InvalidGrantError(description="The code has expired: ask the member again.")
    if redirect_uri != row.redirect_uri:
        return InvalidGrantError(description="redirect_uri must be the one the code was asked with.")
    account: Account = row.account
    if account.is_disabled or not account.is_approved:
        return InvalidGrantError(description="The account that granted the code may no longer sign in.")
    try:
        check_verifier(row.code_challenge, verifier)
    except InvalidGrantError as exc:
        return exc
    return None


async def app_token(client_id: str, client_secret: str, scopes: str | None, *, now: datetime) -> IssuedToken:
    """grant_type=client_credentials: a token of the app itself, for no member (verify_app_credentials)."""
    app = await authenticate_client(client_id, client_secret)
    granted = parse_scopes(scopes, default=tuple(app.scopes.split()))
    check_within(granted, tuple(app.scopes.split()))
    token = new_secret()
    async with in_transaction():
        row = await OAuthToken.create(
            token_hash=hash_secret(token), app=app, account=None, scopes=as_text(granted), created_at=now
        )
    log.info("oauth: app-only token %d issued to app %d", row.id, app.id)
    return IssuedToken(row=row, access_token=token)


async def revoke_token(client_id: str, client_secret: str, token: str, *, now: datetime) -> None:
    """RFC 7009: the client's own token is revoked; an unknown one, or another client's, changes nothing and
    answers the same (nothing tells the caller whether a token exists)."""
    app = await authenticate_client(client_id, client_secret)
    if not token:
        raise InvalidRequestError(description="token is required.")
    async with in_transaction():
        revoked = await OAuthToken.filter(token_hash=hash_secret(token), app_id=app.id, revoked_at=None).update(
            revoked_at=now
        )
    log.info("oauth: app %d revoked %d of its tokens", app.id, revoked)


async def revoke_app(account: Account, app_id: int, *, now: datetime) -> OAuthApp | None:
    """The member takes an app's access away: every live token of that app for them is revoked (and its
    unused codes spent). The app, or None if it held no live token of theirs."""
    async with in_transaction():
        app = await OAuthApp.get_or_none(id=app_id)
        revoked = 0 if app is None else await OAuthToken.filter(
            account_id=account.id, app_id=app.id, revoked_at=None
        ).update(revoked_at=now)
        if app is not None:
            await OAuthCode.filter(account_id=account.id, app_id=app.id, used_at=None).update(used_at=now)
    if not revoked:
        return None
    log.info("oauth: account %d revoked app %d (%d tokens)", account.id, app_id, revoked)
    return app
