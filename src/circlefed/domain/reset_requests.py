"""Domain: a member who forgot their password asks for a reset link by e-mail: whom it goes to, how often.

The answer never tells whether an account matched: the limits that refuse a request (per client address and
per name or address typed) count every request alike, and the cap on mails per account skips silently."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from circlefed.domain.login_limits import WINDOW, minutes_phrase, window_wait
from circlefed.domain.password_resets import issue_reset
from circlefed.errors import TooManyRequests
from circlefed.storage.models import Account, LoginFailure

log = logging.getLogger(__name__)
MAX_PER_ADDRESS = 10  # requests from one client address (bucket) in WINDOW: several people may share one
MAX_PER_NAME = 3  # requests naming one username or e-mail address in WINDOW, whoever sends them
MAX_MAILS_PER_ACCOUNT = 3  # mails to one account in WINDOW, whichever name or address was typed


@dataclass(frozen=True)
class ResetMail:
    """A reset link to send: to the account's address, naming its username."""

    account_id: int
    username: str
    email: str
    token: str


def _name_key(typed: str) -> str:
    """The counter of a typed name or address: a hash, so that the table of counters holds no address."""
    return "reset-name:" + hashlib.sha256(typed.encode()).hexdigest()[:32]


async def request_reset_links(typed: str, address: str, now: datetime) -> list[ResetMail]:
    """Check and count the request, then a new link for each account that `typed` names (its username, or the
    e-mail address saved on it) and that can receive one; TooManyRequests (429) when a limit is reached."""
    name = typed.strip().lower()
    limits = [("address", f"reset-addr:{address}", MAX_PER_ADDRESS), ("name", _name_key(name), MAX_PER_NAME)]
    await LoginFailure.filter(failed_at__lt=now - WINDOW).delete()  # older requests no longer count
    for kind, key, limit in limits:
        wait = await window_wait(key, limit, now)
        if wait:
            log.info("password link request refused: %d requests (%s limit) in %s", limit, kind, WINDOW)
            raise TooManyRequests(
                "Too many requests for a link to set a new password. "
                f"Please wait {minutes_phrase(wait)} and try again.",
                retry_after=wait,
            )
    await LoginFailure.bulk_create([LoginFailure(key=key, failed_at=now) for _, key, _ in limits])
    mails = []
    for account in await _recoverable(name):
        if await _mails_sent(account, now) >= MAX_MAILS_PER_ACCOUNT:
            log.info(
                "password link not sent to account %s: %d sent in %s already", account.id, MAX_MAILS_PER_ACCOUNT, WINDOW
            )
            continue
        await LoginFailure.create(key=f"reset-account:{account.id}", failed_at=now)
        token = await issue_reset(account, now=now)
        mails.append(ResetMail(account.id, account.username, account.email or "", token))
    if not mails:
        log.info("password link request: no account with an e-mail address to send one to")
    return mails


async def _recoverable(name: str) -> list[Account]:
    """Accounts that can get a link: named by username or e-mail address, with an address, not disabled and
    not waiting for approval (they could not sign in with a new password either)."""
    if not name:
        return []
    match = Q(email__iexact=name) if "@" in name else Q(username=name)
    rows = Account.filter(match, email__isnull=False, is_disabled=False, is_approved=True).exclude(email="")
    return await rows.order_by("id")


async def _mails_sent(account: Account, now: datetime) -> int:
    return await LoginFailure.filter(key=f"reset-account:{account.id}", failed_at__gt=now - WINDOW).count()
