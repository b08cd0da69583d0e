"""A report resolved on one instance closes every copy: Resolve and the Group's Announce(Resolve) over loopback."""

from datetime import UTC, datetime

import pytest

from circlefed.domain import reports, safety_admin, threads
from circlefed.federation.inbound.handlers.resolve import NO_OUTCOME
from circlefed.storage.models import (
    Membership,
    ModerationLogEntry,
    OutboxActivity,
    Report,
    ReportState,
    Role,
    Thread,
)
from circlefed.web.keys import SITE
from tests.factories import approved_member

from .circles import act, circle, inbox_states, member, settle, start_quiet
from .fixtures import deliver, ids_of, payload
from .moderation_net import moderation_net, now, send_as, with_facilitator_and_seller

pytestmark = pytest.mark.storage


@pytest.fixture
async def net(start_instance):
    """A hosts grief (fran); bea on B facilitates it; cal on C started a thread; ana on A reported it."""
    net = await with_facilitator_and_seller(await moderation_net(start_instance), start_instance)
    ana = await member(net.a, "ana")
    with net.a.db():
        await safety_admin.set_switch("forward_reports_to_author_instance", True)  # read when a report is filed
        await approved_member(net.grief, ana)
        cal_on_a = await (await Thread.get(uri=net.cal_thread)).author
    filed = await act(net.a, reports.file_report(net.grief, ana, object_uris=[net.cal_thread],
                                                 reported_actor=cal_on_a, reason="selling", category="spam",
                                                 now=now()))
    await settle(net.a, net.b, net.c)
    net.flag = filed.report
    return net


async def report_on(instance, flag_uri: str) -> Report:
    with instance.db():
        return await Report.get(activity_uri=flag_uri).prefetch_related("resolved_by")


async def announced_resolutions(instance) -> list[OutboxActivity]:
    with instance.db():
        return [a for a in await OutboxActivity.filter(type="Announce") if a.payload["object"]["type"] == "Resolve"]


async def test_every_copy_of_a_report_is_keyed_by_the_flag_id(net):
    # SPEC: PROTOCOL.md moderation (one report, one key: the Flag's id)
    with net.a.db():
        flag = await OutboxActivity.get(type="Flag")
    assert net.flag.activity_uri == flag.uri
    for instance in (net.a, net.b, net.c):
        assert (await report_on(instance, flag.uri)).object_uri == net.cal_thread


async def test_a_report_resolved_on_the_circles_instance_closes_the_copies_elsewhere(net, http):
    # SPEC: PROTOCOL.md moderation (Lemmy's Resolve{object: Flag}; Announce(Resolve) to where the Flag went)
    flag_uri = net.flag.activity_uri
    report = await report_on(net.a, flag_uri)
    await act(net.a, reports.resolve_report(report, net.fran, outcome="thread removed, cal warned", now=now()))
    await settle(net.a, net.b, net.c)
    for instance in (net.b, net.c):
        copy = await report_on(instance, flag_uri)
        assert (copy.state, copy.outcome, copy.resolved_by.uri) == (ReportState.RESOLVED,
                                                                     "thread removed, cal warned", net.fran.uri)
    assert (net.fran.uri, "resolve_report", net.cal_thread) in await net.log_on(net.b)
    [announce] = await announced_resolutions(net.a)
    assert sorted(announce.payload["to"]) == sorted([net.bea.uri, net.cal.uri])  # where the Flag went
    with net.a.db():
        resolve = await OutboxActivity.get(type="Resolve")
    assert resolve.payload["object"]["id"] == flag_uri and resolve.payload["to"] == [f"{net.a.base_url}/c/grief"]
    for uri in (announce.uri, resolve.uri):
        async with http.get(uri, headers={"Accept": "application/activity+json"}) as response:
            assert response.status == 404  # reports and their outcome are never served


async def test_a_report_resolved_at_a_remote_facilitators_instance_closes_it_everywhere(net):
    # SPEC: fep-1b12 moderation (a remote moderator's action is applied by the circle's instance and announced)
    flag_uri = net.flag.activity_uri
    with net.b.db():
        [copy] = await reports.list_reports(net.bea)
    await act(net.b, reports.resolve_report(copy, net.bea, outcome="talked with cal", now=now()))
    await settle(net.a, net.b, net.c)
    for instance in (net.a, net.c):
        resolved = await report_on(instance, flag_uri)
        assert (resolved.state, resolved.outcome, resolved.resolved_by.uri) == (ReportState.RESOLVED,
                                                                                 "talked with cal", net.bea.uri)
    entry = [row for row in await net.log_on(net.a) if row[1] == "resolve_report"]
    assert entry == [(net.bea.uri, "resolve_report", net.cal_thread)]
    [announce] = await announced_resolutions(net.a)
    assert announce.payload["to"] == [net.cal.uri]  # not back to B, whose copy bea closed
    assert announce.payload["object"]["actor"] == net.bea.uri


async def test_a_forged_resolve_from_a_member_who_is_no_facilitator_is_refused(net):
    # SPEC: PROTOCOL.md attack 16 (moderation only from moderators; a forged action fails with its reason)
    flag_uri = net.flag.activity_uri
    forged = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{net.c.base_url}/a/forged-resolve",
        "type": "Resolve",
        "actor": net.cal.uri,
        "to": [f"{net.a.base_url}/c/grief"],
        "object": flag_uri,
        "summary": "nothing to see",
    }
    await send_as(net.c, net.cal, forged, f"{net.a.base_url}/c/grief/inbox")
    await settle(net.a, net.b, net.c)
    kind, state, error = (await inbox_states(net.a))[-1]
    assert (kind, state) == ("Resolve", "failed") and "facilitators" in error
    for instance in (net.a, net.b, net.c):
        assert (await report_on(instance, flag_uri)).state is ReportState.OPEN
    assert "resolve_report" not in [action for _, action, _ in await net.log_on(net.a)]
    assert await announced_resolutions(net.a) == []


async def test_a_lemmy_moderators_resolve_closes_the_report_it_embeds(start_instance, remote, http):
    # SPEC: PROTOCOL.md moderation (Lemmy community/resolve_report_page.json: the Flag rendered again, new id)
    a = await start_quiet(start_instance)
    fran = await member(a, "fran")
    grief = await circle(a, "grief", fran)
    started = await act(a, threads.start_thread(a.app[SITE], grief, fran, title="Welcome", source="Say hello.",
                                                now=datetime.now(UTC)))
    group_uri = f"{a.base_url}/c/grief"
    reporter, mod = remote.add_actor("lemmy_user"), remote.add_actor("lemmy_mod")
    for actor in (reporter, mod):
        follow = payload("lemmy_follow_1", **ids_of(remote, actor, group_uri, a.domain))
        await deliver(http, actor, f"{group_uri}/inbox", follow)
    await settle(a)
    with a.db():
        await Membership.filter(actor__uri=mod.uri).update(role=Role.FACILITATOR)
    ids = ids_of(remote, reporter, group_uri, a.domain, object=started.thread.uri)
    flag = payload("lemmy_flag_1", **ids)
    await deliver(http, reporter, f"{a.base_url}/inbox", flag)
    await settle(a)
    ids = ids_of(remote, mod, group_uri, a.domain, object=started.thread.uri, reporter=reporter.uri)
    for _ in range(2):  # the second one finds the report resolved: a no-op
        await deliver(http, mod, f"{a.base_url}/inbox", payload("lemmy_resolve_report_1", **ids))
        await settle(a)
    report = await report_on(a, flag["id"])
    assert (report.state, report.outcome, report.resolved_by.uri) == (ReportState.RESOLVED, NO_OUTCOME, mod.uri)
    assert [(kind, state) for kind, state, _ in (await inbox_states(a))[-2:]] == [("Resolve", "delivered")] * 2
    with a.db():
        assert await ModerationLogEntry.filter(action="resolve_report").count() == 1
