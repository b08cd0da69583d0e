"""Domain: instance secrets kept in the database, generated on first use and shared by every process."""

from __future__ import annotations

from collections.abc import Callable

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from circlefed.storage.models import InstanceSecret


async def instance_secret(name: str, generate: Callable[[], str]) -> str:
    """The secret called `name`; the first process to ask creates it, every later one reads the same value."""
    row = await InstanceSecret.get_or_none(name=name)
    if row is not None:
        return row.value
    try:
        async with in_transaction():
            row = await InstanceSecret.create(name=name, value=generate())
    except IntegrityError:  # another process won the race: use its secret
        row = await InstanceSecret.get(name=name)
    return row.value
