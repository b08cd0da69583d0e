"""Services: facilitators keeping a circle: threads locked and pinned, bans and their end, facilitators named,
ground rules set, each committed with what it publishes (a post removed goes through services/posting.py)."""

from __future__ import annotations

from datetime import datetime

from circlefed.domain import moderation, rules
from circlefed.domain.events import Moderated, RulesChanged
from circlefed.domain.site import Site
from circlefed.federation.actions import perform
from circlefed.storage.models import Actor, Circle, Thread


async def lock_thread(
    site: Site, thread: Thread, by: Actor, *, locked: bool, reason: str, now: datetime
) -> Moderated | None:
    """None: it was so already."""
    return await perform(site, moderation.lock_thread(thread, by, locked=locked, reason=reason, now=now), now=now)


async def pin_thread(site: Site, thread: Thread, by: Actor, *, pinned: bool, now: datetime) -> Moderated | None:
    """None: it was so already."""
    return await perform(site, moderation.pin_thread(thread, by, pinned=pinned, now=now), now=now)


async def ban_member(
    site: Site,
    circle: Circle,
    person: Actor,
    by: Actor,
    *,
    reason: str,
    reason_shared: bool,
    expires_at: datetime | None,
    remove_data: bool,
    now: datetime,
) -> Moderated:
    """Membership and reading end at once; `remove_data` takes their posts down; `reason_shared` lets the reason
    leave with the Block."""
    change = moderation.ban_member(
        site, circle, person, by, reason=reason, reason_shared=reason_shared, expires_at=expires_at,
        remove_data=remove_data, now=now,
    )
    return await perform(site, change, now=now)


async def unban_member(site: Site, circle: Circle, person: Actor, by: Actor, *, now: datetime) -> Moderated | None:
    """None: there was no ban to lift."""
    return await perform(site, moderation.unban_member(circle, person, by, now=now), now=now)


async def set_facilitator(
    site: Site, circle: Circle, person: Actor, by: Actor, *, facilitator: bool, now: datetime
) -> Moderated | None:
    """Make a member a facilitator (or not); None: they were so already."""
    return await perform(
        site, moderation.set_facilitator(circle, person, by, facilitator=facilitator, now=now), now=now
    )


async def set_rules(
    site: Site, circle: Circle, by: Actor, source: str, *, require_reacknowledgement: bool, now: datetime
) -> RulesChanged:
    change = rules.set_rules(circle, by, source, require_reacknowledgement=require_reacknowledgement, now=now)
    return await perform(site, change, now=now)
