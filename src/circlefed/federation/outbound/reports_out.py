"""Federation: reports leaving: a member's Flag, its Resolve, and the Group's Announce of both to facilitators."""

from __future__ import annotations

import logging
from datetime import datetime

from circlefed.delivery.outbox import store_activity
from circlefed.domain import events as ev
from circlefed.domain.instance_policy import read_instance_policy
from circlefed.domain.memberships import is_facilitator
from circlefed.domain.pseudonyms import attributed_actor, ensure_pseudonyms
from circlefed.domain.reports import flag_summary
from circlefed.domain.site import Site
from circlefed.federation.outbound.audience import personal_inbox
from circlefed.federation.outbound.exits import enqueue
from circlefed.federation.serve.documents import circle_actor
from circlefed.protocol.moderation import render_flag, render_private_announce, render_resolve
from circlefed.protocol.parse import authority
from circlefed.storage.models import (
    Actor,
    Circle,
    Membership,
    MembershipState,
    OutboxActivity,
    Report,
    Role,
)

log = logging.getLogger(__name__)


async def report_pseudonyms(site: Site, event: ev.ReportFiled) -> None:
    """Before rendering a local member's Flag: in a confidential circle the reporter, and a member reported in
    person, appear as their pseudonyms."""
    if event.circle is None or not event.actor.is_local:
        return
    reported = event.reported_actor
    named = [reported] if reported is not None and reported.uri in event.object_uris else []
    await ensure_pseudonyms(site, event.circle, [event.actor, *named])


async def publish_report(site: Site, event: ev.ReportFiled, *, now: datetime, received: dict | None) -> None:
    """SPEC: PROTOCOL.md moderation: a Flag goes to the circle; the circle's instance forwards Announce(Flag) to
    its remote facilitators and, where the admin allows, to the reported author's home instance."""
    circle = event.circle
    if circle is None:
        return  # a report to this instance's admins stays here
    flag = received if not event.actor.is_local else None
    if event.actor.is_local:
        group = await circle_actor(circle)
        # In a confidential circle the reporter, and a member reported in person, appear as their pseudonyms.
        reporter = await attributed_actor(site, circle, event.actor)
        objects = [await _as_shown(site, circle, uri, event.reported_actor) for uri in event.object_uris]
        summary = flag_summary(event.category, event.reason)
        flag = render_flag(site.uris.new_activity(), reporter.uri, objects, group.uri, summary, event.category.value)
        activity = await store_activity(uri=flag["id"], type="Flag", actor=reporter, payload=flag, now=now)
        if event.report is not None:
            # Every copy of a report (here, at the facilitators' instances) is keyed by its Flag's id.
            event.report.activity_uri = flag["id"]
            await event.report.save(update_fields=["activity_uri"])
        if not circle.is_local:
            await enqueue(site, activity, personal_inbox(group), None, now)
            return
    if circle.is_local and flag is not None:
        await forward_report(site, circle, flag, event.reported_actor, now=now)


async def _as_shown(site: Site, circle: Circle, uri: str, reported: Actor | None) -> str:
    if reported is not None and reported.uri == uri:
        return (await attributed_actor(site, circle, reported)).uri
    return uri


async def forward_report(site: Site, circle: Circle, flag: dict, reported: Actor | None, *, now: datetime) -> None:
    """The Group's Announce(Flag), addressed to the recipients only; never served, never in the outbox. A
    facilitator reported is not among them: the other facilitators (or the admins here) handle it."""
    recipients = [actor for actor in await _remote_facilitators(circle) if reported is None or actor.id != reported.id]
    forwards = (await read_instance_policy()).forward_reports_to_author_instance
    if forwards and reported is not None and not reported.is_local and reported.id not in {a.id for a in recipients}:
        recipients.append(reported)
    if not recipients:
        return
    await _announce_privately(site, circle, flag, recipients, object_uri=flag.get("id"), now=now)


async def resolution_pseudonyms(site: Site, event: ev.ReportResolved) -> None:
    """Before rendering a local facilitator's Resolve in a circle hosted here (only there are pseudonyms): the
    facilitator's pseudonym, and the reporter's when their Flag is rendered again (_flag_of)."""
    circle, report = event.circle, event.report
    if circle is None or not circle.is_local or report.activity_uri is None or not event.actor.is_local:
        return
    people = [event.actor]
    if not await OutboxActivity.exists(uri=report.activity_uri, type="Flag"):
        people.append(await Actor.get(id=report.reporter_id))  # type: ignore[attr-defined]
    await ensure_pseudonyms(site, circle, people)


async def publish_resolution(site: Site, event: ev.ReportResolved, *, now: datetime, received: dict | None) -> None:
    """SPEC: PROTOCOL.md moderation (Lemmy's Resolve): a facilitator here sends `Resolve{object: the Flag}` to a
    remote circle's Group; the circle's own instance announces a resolution, its own facilitators' or a remote
    one's as received, to the instances the Flag was forwarded to."""
    circle, report = event.circle, event.report
    if circle is None:
        return  # a report to this instance's admins stays here
    if report.activity_uri is None:
        log.info("report #%d has no Flag id (filed before they were kept): resolved here only", report.id)
        return
    if not event.actor.is_local:
        if circle.is_local and received is not None:
            await _announce_resolution(site, circle, report, received, skip_domain=authority(event.actor.uri), now=now)
        return
    if not circle.is_local and not await is_facilitator(circle, event.actor):
        log.info("report #%d closed here by an admin who does not facilitate %s: not sent", report.id, circle.slug)
        return
    group = await circle_actor(circle)
    flag = await _flag_of(site, circle, report, group)
    by = await attributed_actor(site, circle, event.actor)
    resolve = render_resolve(site.uris.new_activity(), by.uri, flag, group.uri, event.outcome, now)
    activity = await store_activity(
        uri=resolve["id"], type="Resolve", actor=by, payload=resolve, now=now, circle=circle,
        object_uri=report.activity_uri,
    )
    if circle.is_local:
        await _announce_resolution(site, circle, report, resolve, skip_domain=None, now=now)
    else:
        await enqueue(site, activity, personal_inbox(group), None, now)


async def _announce_resolution(
    site: Site, circle: Circle, report: Report, resolve: dict, *, skip_domain: str | None, now: datetime
) -> None:
    """Announce(Resolve) to whom the Group forwarded the Flag, except the resolver's own instance."""
    group = await circle_actor(circle)
    forwarded = await OutboxActivity.filter(
        type="Announce", actor_id=group.id, object_uri=report.activity_uri
    ).order_by("id").first()
    if forwarded is None:
        return  # the report went to no other instance
    addressed = [uri for uri in forwarded.payload.get("to", []) if isinstance(uri, str)]
    recipients = [actor for actor in await Actor.filter(uri__in=addressed) if authority(actor.uri) != skip_domain]
    if recipients:
        await _announce_privately(site, circle, resolve, recipients, object_uri=report.activity_uri, now=now)


async def _announce_privately(
    site: Site, circle: Circle, announced: dict, recipients: list[Actor], *, object_uri: str | None, now: datetime
) -> None:
    """The Group's Announce addressed to the recipients only; never served, never in the outbox."""
    group = await circle_actor(circle)
    uri = site.uris.new_activity()
    payload = render_private_announce(uri, group.uri, announced, [actor.uri for actor in recipients], now)
    # With its circle, so that the circle's confidentiality applies to where it goes; reports are never served
    # (served.PRIVATE_ANNOUNCED) nor listed in the outbox (only Create and Update are).
    activity = await store_activity(
        uri=uri, type="Announce", actor=group, payload=payload, now=now, circle=circle, object_uri=object_uri
    )
    inboxes = list(dict.fromkeys(actor.shared_inbox_uri or actor.inbox_uri for actor in recipients))
    log.info("announcing %s %s of %s to %d inboxes", announced.get("type"), object_uri, group.uri, len(inboxes))
    await enqueue(site, activity, [inbox for inbox in inboxes if inbox], None, now)


async def _flag_of(site: Site, circle: Circle, report: Report, group: Actor) -> dict:
    """The report's Flag, as sent here or rendered again from the stored report under its own id."""
    sent = await OutboxActivity.get_or_none(uri=report.activity_uri, type="Flag")
    if sent is not None:
        return sent.payload
    reporter = await attributed_actor(site, circle, await Actor.get(id=report.reporter_id))
    summary = flag_summary(report.category, report.reason)
    objects = [report.object_uri]
    return render_flag(report.activity_uri, reporter.uri, objects, group.uri, summary, report.category.value)


async def _remote_facilitators(circle: Circle) -> list[Actor]:
    rows = await Membership.filter(
        circle_id=circle.id, role=Role.FACILITATOR, state=MembershipState.APPROVED, actor__is_local=False
    ).prefetch_related("actor")
    return [row.actor for row in rows]
