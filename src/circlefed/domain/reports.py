"""Domain: reports of posts or members to a circle's facilitators (or the admins), and how they are resolved."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from circlefed.domain import modlog
from circlefed.domain.events import ReportFiled, ReportResolved
from circlefed.domain.memberships import can_moderate, is_local_admin, is_member
from circlefed.errors import BadRequest, Conflict, Forbidden
from circlefed.storage.models import Actor, Circle, Report, ReportState

MAX_REASON = 2000


async def file_report(
    circle: Circle | None,
    reporter: Actor,
    *,
    object_uris: Sequence[str],
    reported_actor: Actor | None = None,
    reason: str = "",
    now: datetime,
    activity_uri: str | None = None,
) -> ReportFiled | None:
    """A member reports posts or a person of a circle; `circle` None: to this instance's admins.

    Stored here unless a local member reports in a remote circle (then it is sent to that circle, which keeps
    it). None when the same report (activity id) arrived before."""
    if not object_uris:
        raise BadRequest("a report names a post or a person")
    if len(reason) > MAX_REASON:
        raise BadRequest(f"a report's reason is at most {MAX_REASON} characters")
    if reporter.is_local and circle is not None and not await is_member(circle, reporter):
        raise Forbidden("only members of a circle can report in it")
    report = None
    if circle is None or circle.is_local or not reporter.is_local:
        try:
            async with in_transaction():  # a savepoint: a lost race must not abort the caller's transaction
                report = await Report.create(
                    circle=circle, reporter=reporter, object_uri=object_uris[0], reported_actor=reported_actor,
                    reason=reason, activity_uri=activity_uri, created_at=now,
                )
        except IntegrityError:
            return None  # this report (its activity id) arrived before
    return ReportFiled(circle, report, reporter, tuple(object_uris), reason, reported_actor)


async def resolve_report(
    report: Report, by: Actor, *, outcome: str, now: datetime, vouched: bool = False
) -> ReportResolved:
    """A facilitator of the report's circle (or an admin) closes it with an outcome; the log keeps it.

    `vouched`: the remote circle's own Group relayed the resolution (its host checked the facilitator)."""
    circle = await Circle.get(id=report.circle_id) if report.circle_id else None
    await _check_may_handle(circle, by, vouched=vouched)
    if report.state is ReportState.RESOLVED:
        raise Conflict("this report was already resolved")
    outcome = outcome.strip()
    if not outcome or len(outcome) > MAX_REASON:
        raise BadRequest(f"say what was done about the report (1-{MAX_REASON} characters)")
    report.state, report.outcome, report.resolved_by, report.resolved_at = ReportState.RESOLVED, outcome, by, now
    await report.save(update_fields=["state", "outcome", "resolved_by_id", "resolved_at"])
    await modlog.record(circle, by, modlog.RESOLVE_REPORT, target_uri=report.object_uri, reason=outcome, now=now)
    return ReportResolved(circle, report, by, outcome)


async def list_reports(
    viewer: Actor, *, circle: Circle | None = None, state: ReportState | None = ReportState.OPEN
) -> list[Report]:
    """Reports a viewer may handle: a circle's for its facilitators, every one for admins; oldest first."""
    query = await reports_query(viewer, circle=circle, state=state)
    return await query.order_by("created_at", "id").prefetch_related("reporter", "reported_actor")


async def reports_query(
    viewer: Actor, *, circle: Circle | None = None, state: ReportState | None = ReportState.OPEN
) -> QuerySet[Report]:
    """The reports a viewer may handle, unordered (for pages that walk them with a cursor)."""
    query = Report.all()
    if circle is not None:
        await _check_may_handle(circle, viewer)
        query = query.filter(circle_id=circle.id)
    elif not await is_local_admin(viewer):
        query = query.filter(circle_id__in=await modlog.facilitated_circle_ids(viewer))
    if state is not None:
        query = query.filter(state=state)
    return query


async def _check_may_handle(circle: Circle | None, viewer: Actor, *, vouched: bool = False) -> None:
    if vouched and circle is not None and not circle.is_local:
        return  # SPEC: fep-1b12 moderation: a remote circle's Group vouches for the moderators it relays
    if circle is None:
        if not await is_local_admin(viewer):
            raise Forbidden("only an admin handles reports made to the instance")
    elif not await can_moderate(circle, viewer) and not await is_local_admin(viewer):
        raise Forbidden("only the circle's facilitators or an admin handle its reports")
