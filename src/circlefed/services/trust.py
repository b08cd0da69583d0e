"""Services: the confidentiality policy changed by an admin (page or CLI): the change and the queued deliveries
of members circles it refuses now, cancelled in the same transaction, the one way both entry points take."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.domain import confidentiality
from circlefed.federation.outbound.withdraw import cancel_refused
from circlefed.storage.models import Circle, TrustedInstance, Visibility


async def cancel_for_members_circles(now: datetime) -> int:
    """Queued deliveries of members circles that the confidentiality policy now refuses are cancelled."""
    cancelled = 0
    for circle in await Circle.filter(is_local=True, visibility=Visibility.MEMBERS):
        cancelled += await cancel_refused(circle, now=now)
    return cancelled


async def distrust_instance(domain: str, now: datetime) -> tuple[TrustedInstance, int]:
    """Stop trusting `domain`: the row removed and what members circles had queued for it cancelled."""
    async with in_transaction():
        row = await confidentiality.distrust_instance(domain)
        return row, await cancel_for_members_circles(now)


async def allow_untrusted_software(value: bool, now: datetime) -> int:
    """Let members circles reach software that does not honour privacy (True) or not; turning it off cancels
    what they queued for such software. The number of deliveries cancelled."""
    async with in_transaction():
        await confidentiality.set_members_to_untrusted_software(value)
        return 0 if value else await cancel_for_members_circles(now)
