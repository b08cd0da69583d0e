"""Domain: joining this instance by the admin's registration mode (open, invite, approval, closed) and approvals."""

from __future__ import annotations

import logging
from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.domain.accounts import create_account
from circlefed.domain.instance_policy import read_instance_policy, update_instance_policy
from circlefed.domain.invites import find_usable_invite, redeem_invite
from circlefed.domain.site import Site
from circlefed.errors import BadRequest, Forbidden, NotFound
from circlefed.storage.models import Account, Actor, RegistrationMode

log = logging.getLogger(__name__)
MAX_JOIN_REASON = 1000


async def registration_mode() -> RegistrationMode:
    return (await read_instance_policy()).registration_mode


async def set_registration_mode(mode: RegistrationMode) -> None:
    await update_instance_policy(registration_mode=mode)
    log.info("registration mode set to %s", mode.value)


async def register(
    site: Site, username: str, password: str, *, now: datetime, invite_token: str = "", join_reason: str = ""
) -> Account:
    """A new member account as the registration mode allows; in `approval` mode it waits for an admin, unless it
    comes with an invitation (an admin vouched for the person already)."""
    mode = await registration_mode()
    if mode is RegistrationMode.CLOSED:
        raise Forbidden("This instance is not taking new members at the moment.")
    invited = mode is RegistrationMode.INVITE or bool(invite_token)
    if invited:
        await find_usable_invite(invite_token, now)  # refuse early, before any row is written
    if len(join_reason) > MAX_JOIN_REASON:
        raise BadRequest(f"the note to the admins can be at most {MAX_JOIN_REASON} characters long")
    async with in_transaction():
        account = await create_account(site, username, password)
        if invited:
            await redeem_invite(invite_token, account, now)
        elif mode is RegistrationMode.APPROVAL:
            account.is_approved = False
            account.join_reason = join_reason
            await account.save(update_fields=["is_approved", "join_reason"])
    log.info("account %s registered (%s)", account.id, mode.value)
    return account


async def list_pending_accounts() -> list[Account]:
    """Accounts waiting for an admin's approval, oldest first."""
    return await Account.filter(is_approved=False, is_disabled=False).order_by("created_at", "id")


async def approve_account(account_id: int) -> Account:
    account = await Account.get_or_none(id=account_id)
    if account is None:
        raise NotFound("no such account")
    if not account.is_approved:
        account.is_approved = True
        await account.save(update_fields=["is_approved"])
        log.info("account %s approved", account.id)
    return account


async def reject_pending_account(account_id: int) -> None:
    """Remove an account that was never approved (it never posted or federated, so nothing else is owed)."""
    account = await Account.get_or_none(id=account_id, is_approved=False)
    if account is None:
        raise NotFound("no account waiting for approval")
    async with in_transaction():
        actor_id = account.actor_id  # type: ignore[attr-defined]
        await account.delete()
        await Actor.filter(id=actor_id).delete()
    log.info("pending account %s rejected", account.id)
