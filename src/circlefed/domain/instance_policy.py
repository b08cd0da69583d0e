"""Domain: the instance's one admin-editable policy row (InstancePolicy): read it, or change some of its fields."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from circlefed.storage.models import InstancePolicy


async def read_instance_policy() -> InstancePolicy:
    """The policy as it stands: the row, or (before an admin changed anything) the defaults, unsaved."""
    return await _stored_row() or InstancePolicy()


async def update_instance_policy(**values: object) -> InstancePolicy:
    """Set some fields of the policy row (created with the defaults on first use), in one transaction."""
    async with in_transaction():
        row = await _stored_row() or await InstancePolicy.create()
        for name, value in values.items():
            setattr(row, name, value)
        await row.save(update_fields=[*values, "updated_at"])
    return row


async def _stored_row() -> InstancePolicy | None:
    return await InstancePolicy.all().order_by("id").first()
