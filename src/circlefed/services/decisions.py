"""Services: what facilitators decide about held posts and edits, and reports filed and resolved, each
committed with what it publishes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.domain import notifications, reports, review, revisions
from circlefed.domain.events import PostApproved, ReplyEdited, ReportFiled, ReportResolved, ThreadEdited
from circlefed.domain.site import Site
from circlefed.federation.actions import perform
from circlefed.storage.models import Actor, Circle, Post, Report, Revision, Thread


async def approve_post(site: Site, row: Thread | Post, by: Actor, *, now: datetime) -> PostApproved:
    """A held post becomes visible and leaves as if it had just been posted."""
    return await perform(site, review.approve_post(row, by, now=now), now=now)


async def reject_post(row: Thread | Post, by: Actor, *, reason: str, note: str, now: datetime) -> None:
    """A held post stays invisible for good; nothing leaves the instance; its author is told."""
    async with in_transaction():
        declined = await review.reject_post(row, by, reason=reason, note=note, now=now)
        await notifications.record([declined], now=now)


async def approve_edit(site: Site, revision: Revision, by: Actor, *, now: datetime) -> ThreadEdited | ReplyEdited:
    return await perform(site, revisions.approve_edit(revision, by, now=now), now=now)


async def reject_edit(revision: Revision, by: Actor, *, note: str, now: datetime) -> None:
    async with in_transaction():
        await revisions.reject_edit(revision, by, note=note, now=now)


async def file_report(
    site: Site,
    circle: Circle | None,
    reporter: Actor,
    *,
    object_uris: Sequence[str],
    category: str,
    reported_actor: Actor | None,
    reason: str,
    now: datetime,
) -> ReportFiled | None:
    """Stored here, or sent on to the circle's instance; AlreadyReported when the reporter's first report about
    it is still open."""
    change = reports.file_report(
        circle, reporter, object_uris=object_uris, category=category, reported_actor=reported_actor, reason=reason,
        now=now,
    )
    return await perform(site, change, now=now)


async def resolve_report(site: Site, report: Report, by: Actor, *, outcome: str, now: datetime) -> ReportResolved:
    """Closed with its outcome; the instances keeping a copy are told."""
    return await perform(site, reports.resolve_report(report, by, outcome=outcome, now=now), now=now)
