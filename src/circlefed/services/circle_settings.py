"""Services: a circle's level changed by a facilitator (settings page) or an admin (CLI), and the whole settings
form saved, each in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.domain import circle_settings
from circlefed.domain.confidentiality import VisibilityChanged, set_visibility
from circlefed.domain.site import Site
from circlefed.federation.actions import perform
from circlefed.federation.outbound.publish import publish
from circlefed.federation.outbound.withdraw import cancel_refused
from circlefed.storage.models import Actor, Circle, Visibility


@dataclass(frozen=True)
class LevelChange:
    """What changing a circle's level did: the change (None: it already had that level) and how many queued
    deliveries the new level refused."""

    changed: VisibilityChanged | None
    cancelled: int = 0


async def change_level(
    site: Site, circle: Circle, level: str, by: Actor | None, *, facilitator_choices: Iterable[str], now: datetime
) -> LevelChange:
    """The one way a circle's level changes: the domain change (a moderator's is logged; by=None is the admin
    at the command line), queued deliveries the new level refuses cancelled, and Update(Group) to every member
    instance (federation/outbound/moderation_out.py publish_visibility), all committed together."""
    async with in_transaction():
        if by is None:
            changed = await set_visibility(circle, level, by=None, facilitator_choices=facilitator_choices)
        else:
            changed = await circle_settings.change_visibility(
                circle, level, by, facilitator_choices=facilitator_choices, now=now
            )
        if changed is None:
            return LevelChange(None)
        cancelled = await cancel_refused(circle, now=now)
        await publish(site, [changed], now=now)
    return LevelChange(changed, cancelled)


@dataclass(frozen=True)
class CircleSettings:
    """What a facilitator's settings form sets (join approval applies to public circles only)."""

    name: str
    description: str
    level: str
    retention_days: int | None
    requires_approval: bool
    members_may_message: bool


async def save_circle_settings(
    site: Site, circle: Circle, by: Actor, wanted: CircleSettings, *, facilitator_choices: Iterable[str], now: datetime
) -> LevelChange:
    """The facilitator's settings form: name and description (Update(Group) when they change), level (as
    change_level), retention, join approval and member messages, all committed together or not at all."""
    async with in_transaction():
        described = circle_settings.describe_circle(circle, wanted.name, wanted.description, by, now=now)
        await perform(site, described, now=now)
        change = await change_level(site, circle, wanted.level, by, facilitator_choices=facilitator_choices, now=now)
        await circle_settings.change_retention(circle, wanted.retention_days, by, now=now)
        if circle.visibility is Visibility.PUBLIC:
            await circle_settings.set_join_approval(circle, wanted.requires_approval, by, now=now)
        await circle_settings.set_member_messages(circle, wanted.members_may_message, by, now=now)
    return change
