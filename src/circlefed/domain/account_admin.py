"""Domain: an admin's actions on other accounts: grant or remove admin rights, disable, enable (never oneself)."""

from __future__ import annotations

import logging

from circlefed.domain.accounts import disable_account, enable_account
from circlefed.errors import BadRequest, NotFound
from circlefed.storage.models import Account

log = logging.getLogger(__name__)


async def _other_account(account_id: int, by: Account, doing: str) -> Account:
    account = await Account.get_or_none(id=account_id)
    if account is None:
        raise NotFound("no such account")
    if account.id == by.id:
        # An admin locking themselves out leaves nobody to undo it from the web.
        raise BadRequest(f"You cannot {doing} your own account. Ask another admin.")
    return account


async def set_admin(account_id: int, is_admin: bool, *, by: Account) -> Account:
    account = await _other_account(account_id, by, "change the admin rights of")
    if account.is_admin != is_admin:
        account.is_admin = is_admin
        await account.save(update_fields=["is_admin"])
        log.info("account %s %s admin rights of account %s", by.id, "granted" if is_admin else "removed", account.id)
    return account


async def disable(account_id: int, *, by: Account) -> Account:
    """The account can no longer sign in; every browser signed in to it is signed out at once."""
    account = await _other_account(account_id, by, "disable")
    account = await disable_account(account.username)  # the same step as `circlefed users disable`
    log.info("account %s disabled account %s", by.id, account.id)
    return account


async def enable(account_id: int, *, by: Account) -> Account:
    """A disabled account can sign in again."""
    account = await _other_account(account_id, by, "enable")
    account = await enable_account(account.username)  # the same step as `circlefed users enable`
    log.info("account %s enabled account %s", by.id, account.id)
    return account
