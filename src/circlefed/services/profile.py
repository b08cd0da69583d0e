"""Services: a member's own profile: the name it shows (domain/profile.py), committed in one transaction."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from circlefed.domain import profile
from circlefed.storage.models import Account, Actor


async def rename_profile(account: Account, name: str) -> Actor:
    """The profile name the member chose (an app's display_name); the names circles show them by stay as set on
    /account. Other instances see the new name when they next fetch the member's actor."""
    async with in_transaction():
        return await profile.set_profile_name(account, name)
