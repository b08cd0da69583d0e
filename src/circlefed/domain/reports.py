"""Domain: reports of posts or members to a circle's facilitators (or the admins), and how they are resolved."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from circlefed.domain import modlog
from circlefed.domain.events import ReportFiled, ReportResolved
from circlefed.domain.memberships import can_moderate, is_local_admin, is_member
from circlefed.errors import BadRequest, Conflict, Forbidden
from circlefed.storage.models import (
    Actor,
    Circle,
    Membership,
    MembershipState,
    Report,
    ReportCategory,
    ReportState,
    Role,
)

MAX_REASON = 2000

# What facilitators (and the report form) call each category; also the start of a Flag's `summary`.
CATEGORY_LABELS: dict[ReportCategory, str] = {
    ReportCategory.GROUND_RULES: "Breaks the ground rules",
    ReportCategory.HARMFUL_ADVICE: "Harmful advice",
    ReportCategory.CRISIS_CONCERN: "Crisis concern",
    ReportCategory.HARASSMENT: "Harassment",
    ReportCategory.SPAM: "Spam",
    ReportCategory.OTHER: "Something else",
}


class AlreadyReported(Conflict):
    """The reporter has an open report about this post or person already."""

    public_message = "You reported this already; the facilitators have not closed that report yet."


def report_category(value: str | ReportCategory) -> ReportCategory:
    """The category a report form or a Flag names; a clear 400 for anything else (an empty choice included)."""
    try:
        return ReportCategory(value)
    except ValueError:
        choices = ", ".join(f"“{label}”" for label in CATEGORY_LABELS.values())
        raise BadRequest(f"say why you are reporting: choose one of {choices}") from None


def flag_summary(category: ReportCategory, reason: str) -> str:
    """What a Flag's `summary` says: the category's name, then the reporter's words (Lemmy and Mastodon show only
    this text to their moderators)."""
    label = CATEGORY_LABELS[category]
    return f"{label}: {reason}" if reason else label


def read_flag(category: str | None, summary: str) -> tuple[ReportCategory, str]:
    """The category and reason of a received Flag: its `reportCategory` (circlefed's), else `other` (Lemmy and
    Mastodon send none); the category's name that starts a circlefed summary is not kept twice."""
    try:
        kind = ReportCategory(category) if category else None
    except ValueError:
        kind = None
    if kind is None:
        return ReportCategory.OTHER, summary
    label = CATEGORY_LABELS[kind]
    if summary == label:
        return kind, ""
    return kind, summary.removeprefix(f"{label}: ")


async def file_report(
    circle: Circle | None,
    reporter: Actor,
    *,
    object_uris: Sequence[str],
    category: str | ReportCategory,
    reported_actor: Actor | None = None,
    reason: str = "",
    now: datetime,
    activity_uri: str | None = None,
) -> ReportFiled | None:
    """A member reports posts or a person of a circle, with a category; `circle` None: to this instance's admins.

    Stored here unless a local member reports in a remote circle (then it is sent to that circle, which keeps
    it). None when the same report (activity id) arrived before; AlreadyReported when the reporter has an open
    report about the same post or person."""
    kind = report_category(category)
    if not object_uris:
        raise BadRequest("a report names a post or a person")
    if len(reason) > MAX_REASON:
        raise BadRequest(f"a report's reason is at most {MAX_REASON} characters")
    if reporter.is_local and circle is not None and not await is_member(circle, reporter):
        raise Forbidden("only members of a circle can report in it")
    report = None
    if circle is None or circle.is_local or not reporter.is_local:
        if activity_uri is not None and await Report.exists(activity_uri=activity_uri):
            return None  # this report (its activity id) arrived before
        report = await _store(circle, reporter, object_uris[0], kind, reported_actor, reason, now, activity_uri)
        if report is None:
            return None
    return ReportFiled(circle, report, reporter, tuple(object_uris), reason, reported_actor, kind)


def _open_key(reporter: Actor, object_uri: str) -> str:
    return hashlib.sha256(f"{reporter.id}\0{object_uri}".encode()).hexdigest()


async def _store(
    circle: Circle | None,
    reporter: Actor,
    object_uri: str,
    category: ReportCategory,
    reported_actor: Actor | None,
    reason: str,
    now: datetime,
    activity_uri: str | None,
) -> Report | None:
    key = _open_key(reporter, object_uri)
    if await Report.exists(open_key=key):
        raise AlreadyReported()
    try:
        async with in_transaction():  # a savepoint: a lost race must not abort the caller's transaction
            return await Report.create(
                circle=circle, reporter=reporter, object_uri=object_uri, reported_actor=reported_actor,
                category=category, reason=reason, activity_uri=activity_uri, created_at=now, open_key=key,
            )
    except IntegrityError:
        if await Report.exists(open_key=key):
            raise AlreadyReported() from None  # the same person's report, sent twice at once
        return None  # this report (its activity id) arrived at the same time


async def resolve_report(
    report: Report, by: Actor, *, outcome: str, now: datetime, vouched: bool = False
) -> ReportResolved:
    """A facilitator of the report's circle (or an admin) closes it with an outcome; the log keeps it.

    `vouched`: the remote circle's Group relayed the resolution (its host checked the facilitator). Nobody
    handles a report about themselves: the other facilitators or the admins do."""
    circle = await Circle.get(id=report.circle_id) if report.circle_id else None
    await _check_may_handle(circle, by, vouched=vouched)
    if report.reported_actor_id == by.id and not vouched:
        raise Forbidden("a report about you is handled by the circle's other facilitators or the admins")
    if report.state is ReportState.RESOLVED:
        raise Conflict("this report was already resolved")
    outcome = outcome.strip()
    if not outcome or len(outcome) > MAX_REASON:
        raise BadRequest(f"say what was done about the report (1-{MAX_REASON} characters)")
    report.state, report.outcome, report.resolved_by, report.resolved_at = ReportState.RESOLVED, outcome, by, now
    report.open_key = None
    await report.save(update_fields=["state", "outcome", "resolved_by_id", "resolved_at", "open_key"])
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
    """The reports a viewer may handle, unordered (for pages that walk them with a cursor); never those about
    the viewer (a report about a facilitator's own post goes to the others)."""
    query = Report.filter(Q(reported_actor_id__isnull=True) | Q(reported_actor_id__not=viewer.id))
    if circle is not None:
        await _check_may_handle(circle, viewer)
        query = query.filter(circle_id=circle.id)
    elif not await is_local_admin(viewer):
        query = query.filter(circle_id__in=await modlog.facilitated_circle_ids(viewer))
    if state is not None:
        query = query.filter(state=state)
    return query


async def reports_for_admins() -> list[Report]:
    """Open reports about the only facilitator of a circle hosted here: nobody else facilitates it, so the
    instance's admins handle them (oldest first, circles loaded)."""
    facilitating = await Membership.filter(
        role=Role.FACILITATOR, state=MembershipState.APPROVED, circle__is_local=True
    ).values_list("circle_id", "actor_id")
    by_circle: dict[int, set[int]] = defaultdict(set)
    for circle_id, actor_id in facilitating:
        by_circle[circle_id].add(actor_id)
    sole = {(circle_id, next(iter(actors))) for circle_id, actors in by_circle.items() if len(actors) == 1}
    if not sole:
        return []
    candidates = await Report.filter(
        state=ReportState.OPEN,
        circle_id__in=[circle_id for circle_id, _ in sole],
        reported_actor_id__in=list({actor_id for _, actor_id in sole}),
    ).order_by("created_at", "id").prefetch_related("circle")
    return [report for report in candidates if (report.circle_id, report.reported_actor_id) in sole]


async def _check_may_handle(circle: Circle | None, viewer: Actor, *, vouched: bool = False) -> None:
    if vouched and circle is not None and not circle.is_local:
        return  # SPEC: fep-1b12 moderation: a remote circle's Group vouches for the moderators it relays
    if circle is None:
        if not await is_local_admin(viewer):
            raise Forbidden("only an admin handles reports made to the instance")
    elif not await can_moderate(circle, viewer) and not await is_local_admin(viewer):
        raise Forbidden("only the circle's facilitators or an admin handle its reports")
