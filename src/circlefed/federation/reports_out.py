"""Federation: reports leaving: a member's Flag to a remote circle, and the Group's Announce(Flag) forwarding."""

from __future__ import annotations

import logging
from datetime import datetime

from circlefed.delivery.outbox import store_activity
from circlefed.domain import events as ev
from circlefed.domain.site import Site
from circlefed.federation import outbound
from circlefed.federation.audience import personal_inbox
from circlefed.federation.documents import circle_actor
from circlefed.protocol.moderation import render_flag, render_private_announce
from circlefed.storage.models import Actor, Circle, InstancePolicy, Membership, MembershipState, Role

log = logging.getLogger(__name__)


async def publish_report(site: Site, event: ev.ReportFiled, *, now: datetime, received: dict | None) -> None:
    """SPEC: PROTOCOL.md moderation: a Flag goes to the circle; the circle's instance forwards Announce(Flag) to
    its remote facilitators and, where the admin allows, to the reported author's home instance."""
    circle = event.circle
    if circle is None:
        return  # a report to this instance's admins stays here
    flag = received if not event.reporter.is_local else None
    if event.reporter.is_local:
        group = await circle_actor(circle)
        flag = render_flag(site.uris.new_activity(), event.reporter.uri, list(event.object_uris), group.uri,
                           event.reason)
        activity = await store_activity(uri=flag["id"], type="Flag", actor=event.reporter, payload=flag, now=now)
        if not circle.is_local:
            await outbound._enqueue(site, activity, personal_inbox(group), None, now)
            return
    if circle.is_local and flag is not None:
        await forward_report(site, circle, flag, event.reported_actor, now=now)


async def forward_report(site: Site, circle: Circle, flag: dict, reported: Actor | None, *, now: datetime) -> None:
    """The Group's Announce(Flag), addressed to the recipients only; never served, never in the outbox."""
    recipients = await _remote_facilitators(circle)
    policy = await InstancePolicy.all().order_by("id").first()
    forwards = policy is not None and policy.forward_reports_to_author_instance
    if forwards and reported is not None and not reported.is_local and reported.id not in {a.id for a in recipients}:
        recipients.append(reported)
    if not recipients:
        return
    group = await circle_actor(circle)
    uri = site.uris.new_activity()
    payload = render_private_announce(uri, group.uri, flag, [actor.uri for actor in recipients], now)
    # With its circle, so that the circle's confidentiality applies to where it goes; reports are never served
    # (served.PRIVATE_ANNOUNCED) nor listed in the outbox (only Create and Update are).
    activity = await store_activity(
        uri=uri, type="Announce", actor=group, payload=payload, now=now, circle=circle, object_uri=flag.get("id")
    )
    inboxes = list(dict.fromkeys(actor.shared_inbox_uri or actor.inbox_uri for actor in recipients))
    log.info("forwarding report %s of %s to %d inboxes", flag.get("id"), group.uri, len(inboxes))
    await outbound._enqueue(site, activity, [inbox for inbox in inboxes if inbox], None, now)


async def _remote_facilitators(circle: Circle) -> list[Actor]:
    rows = await Membership.filter(
        circle_id=circle.id, role=Role.FACILITATOR, state=MembershipState.APPROVED, actor__is_local=False
    ).prefetch_related("actor")
    return [row.actor for row in rows]
