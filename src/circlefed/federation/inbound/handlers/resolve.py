"""Federation: Resolve of a report (Lemmy's shape): a facilitator closed it; every copy of the report closes."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from circlefed.domain.reports import resolve_report
from circlefed.federation.inbound.context import HandlerContext, Refused, ignore, wait_for_object
from circlefed.protocol.moderation import references, text_field
from circlefed.protocol.parse import reference_id
from circlefed.storage.models import Circle, Report, ReportState

# Lemmy's Resolve carries no outcome; the log and the facilitators' list still say something.
NO_OUTCOME = "resolved by a facilitator on another instance (no outcome given)"


async def handle(ctx: HandlerContext, activity: dict) -> None:
    """SPEC: PROTOCOL.md moderation: `Resolve{actor, to: [circle], object: Flag, summary: outcome}` closes the
    report stored under the Flag's id; to a circle hosted here only from its facilitators (then announced to
    the instances that keep a copy), to a remote circle's copy only through its Group's Announce."""
    flag = activity.get("object")
    flag_uri = reference_id(flag)
    if flag_uri is None:
        raise Refused("a Resolve names no report")
    report = await _report(ctx, flag_uri, flag if isinstance(flag, dict) else None)
    if report is None:
        return wait_for_object(ctx, activity, "the report")  # its Announce(Flag) may still be on its way
    circle = await Circle.get(id=report.circle_id) if report.circle_id else None
    if circle is None:
        raise Refused("a report to this instance's admins is resolved here only")
    if ctx.via is None and not circle.is_local:
        return ignore(activity, "a remote circle's report is resolved through its Group")
    if ctx.via is not None and circle.id != ctx.via.id:
        raise Refused("the report belongs to another circle than the one announcing its resolution")
    if report.state is ReportState.RESOLVED:
        return ignore(activity, "report #%d was already resolved", report.id)
    outcome = text_field(activity, "summary", "content") or NO_OUTCOME
    async with in_transaction():
        event = await resolve_report(report, ctx.actor, outcome=outcome, now=ctx.now, vouched=ctx.via is not None)
        await ctx.publish([event])
    return None


async def _report(ctx: HandlerContext, flag_uri: str, flag: dict | None) -> Report | None:
    """The report stored under the Flag's id; else, as Lemmy matches (its Resolve embeds a Flag rendered again
    under a new id), the open report of that reporter about that object in the circle concerned."""
    report = await Report.get_or_none(activity_uri=flag_uri)
    if report is not None or flag is None:
        return report
    reporter_uri, objects = reference_id(flag.get("actor")), references(flag.get("object"))
    if reporter_uri is None or not objects:
        return None
    query = Report.filter(reporter__uri=reporter_uri, object_uri__in=objects)
    query = query.filter(circle_id=ctx.via.id) if ctx.via is not None else query.filter(circle__is_local=True)
    # The oldest open one; else the latest, already resolved (a repeated Resolve is then a no-op, not a wait).
    return await query.filter(state=ReportState.OPEN).order_by("id").first() or await query.order_by("-id").first()
