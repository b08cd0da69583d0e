"""Domain: local member accounts: create, list, disable, authenticate."""

from __future__ import annotations

import asyncio
import functools

from tortoise.transactions import in_transaction

from circlefed.domain.account_sessions import end_all_sessions
from circlefed.domain.actors import create_local_actor
from circlefed.domain.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from circlefed.domain.site import Site
from circlefed.errors import BadRequest, Conflict, NotFound
from circlefed.protocol.uris import LOCAL_NAME_RE, RESERVED_NAMES
from circlefed.storage.models import Account, Actor


def check_name(name: str, what: str) -> str:
    """Validate a member name or circle slug; BadRequest says what a good one looks like."""
    if name in RESERVED_NAMES:
        raise BadRequest(f"'{name}' is reserved; choose another {what}")
    if not LOCAL_NAME_RE.match(name):
        raise BadRequest(
            f"invalid {what} '{name}': use 2-30 lowercase letters, digits or underscores, "
            "starting with a letter or digit"
        )
    return name


async def ensure_name_free(name: str, what: str) -> None:
    if await Actor.filter(local_name=name).exists():
        raise Conflict(f"the name '{name}' is already taken by a member or circle on this instance")


async def create_account(site: Site, username: str, password: str, *, is_admin: bool = False) -> Account:
    check_name(username, "username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")
    await ensure_name_free(username, "username")
    password_hash = hash_password(password)
    async with in_transaction():
        actor = await create_local_actor(
            site.uris,
            site.domain,
            actor_type="Person",
            local_name=username,
            uri=site.uris.member(username),
            display_name=username,
        )
        return await Account.create(
            username=username, password_hash=password_hash, is_admin=is_admin, actor=actor
        )


async def get_account(username: str) -> Account:
    account = await Account.get_or_none(username=username)
    if account is None:
        raise NotFound(f"no account named '{username}'")
    return account


async def list_accounts() -> list[Account]:
    return await Account.all().order_by("username")


async def disable_account(username: str) -> Account:
    """The account can no longer sign in, and every browser signed in to it is signed out."""
    account = await get_account(username)
    account.is_disabled = True
    await account.save(update_fields=["is_disabled"])
    await end_all_sessions(account)
    return account


async def enable_account(username: str) -> Account:
    """A disabled account can sign in again (with its password as it was; its sessions ended when disabled)."""
    account = await get_account(username)
    if account.is_disabled:
        account.is_disabled = False
        await account.save(update_fields=["is_disabled"])
    return account


async def authenticate(username: str, password: str) -> Account | None:
    """The account if the password matches and the account is enabled, else None (no hint which failed)."""
    account = await Account.get_or_none(username=username)
    # argon2 takes tens of milliseconds by design: in a thread (it releases the GIL), so that other requests are
    # answered meanwhile; an unknown name costs the same work (no timing oracle for usernames).
    stored = account.password_hash if account is not None else _dummy_hash()
    matches = await asyncio.to_thread(verify_password, stored, password)
    if account is None or account.is_disabled or not matches:
        return None
    return account


@functools.cache
def _dummy_hash() -> str:
    """A hash made with the hasher in use (made on first use, not at import)."""
    return hash_password("circlefed-timing-equaliser")
