"""Services: a member's own profile: the name it shows (domain/profile.py), committed with the Update that tells
the instances knowing the member."""

from __future__ import annotations

from datetime import datetime

from circlefed.domain import profile
from circlefed.domain.events import ProfileRenamed
from circlefed.domain.site import Site
from circlefed.federation.actions import perform
from circlefed.storage.models import Account


async def rename_profile(site: Site, account: Account, name: str, *, now: datetime) -> ProfileRenamed | None:
    """The profile name the member chose (an app's display_name); the names circles show them by stay as set on
    /account. The instances that know the member's Person are sent its Update."""
    return await perform(site, profile.set_profile_name(account, name), now=now)
