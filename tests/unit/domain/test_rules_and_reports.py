"""Ground rules (acknowledged to join and, when facilitators ask, again to post) and reports to facilitators."""

import pytest

from circlefed.domain import reports, rules
from circlefed.domain.memberships import request_join
from circlefed.domain.threads import start_thread
from circlefed.errors import BadRequest, Conflict, Forbidden
from circlefed.storage.models import Membership, ModerationLogEntry, Report, ReportState
from tests.factories import SITE, local_person, remote_person

from .circle_support import fast_accounts, grief_circle, remote_circle_with

pytestmark = pytest.mark.storage
__all__ = ["fast_accounts"]


@pytest.fixture
async def grief(db):
    return await grief_circle()


async def test_joining_a_circle_with_rules_needs_their_current_version(grief, clock):
    # SPEC: issue 7 ground rules (joining requires acknowledging the current rules)
    circle, host, _, _ = grief
    await rules.set_rules(circle, host, "1. Be kind.\n2. What is shared here stays here.", now=clock.now())
    assert "<li>Be kind.</li>" in circle.rules_html
    sam = await local_person(SITE, "sam")
    with pytest.raises(BadRequest, match="acknowledge the circle's ground rules"):
        await request_join(circle, sam, now=clock.now())
    with pytest.raises(Conflict, match="version 1"):
        await request_join(circle, sam, acknowledged_rules_version=0, now=clock.now())
    outcome = await request_join(circle, sam, acknowledged_rules_version=1, now=clock.now())
    assert outcome.membership.rules_version_acknowledged == 1


async def test_remote_members_acknowledge_the_rules_by_following(grief, clock):
    circle, host, _, _ = grief
    await rules.set_rules(circle, host, "Be kind.", now=clock.now())
    outcome = await request_join(circle, await remote_person("lee"), follow_activity_uri="https://s.example/f/1",
                                 now=clock.now())
    assert outcome.membership.rules_version_acknowledged == 1


async def test_changed_rules_that_need_acknowledging_again_stop_posts_until_members_do(grief, clock):
    # SPEC: issue 7 ground rules (re-acknowledgement when the rules change)
    circle, host, robin, _ = grief
    await rules.set_rules(circle, host, "Be kind.", now=clock.now())
    await start_thread(SITE, circle, robin, title="Hi", source="hello", now=clock.now())  # joined before: fine
    await rules.set_rules(circle, host, "Be kind. No advice.", require_reacknowledgement=True, now=clock.now())
    assert circle.rules_version == 2
    with pytest.raises(Forbidden, match="acknowledge them \\(version 2\\)"):
        await start_thread(SITE, circle, robin, title="Hi", source="again", now=clock.now())
    await start_thread(SITE, circle, host, title="New rules", source="read them", now=clock.now())  # the writer
    with pytest.raises(Conflict):
        await rules.acknowledge_rules(circle, robin, version=1, now=clock.now())
    await rules.acknowledge_rules(circle, robin, version=2, now=clock.now())
    await start_thread(SITE, circle, robin, title="Hi", source="again", now=clock.now())
    entries = await ModerationLogEntry.all().order_by("id")
    assert [entry.reason for entry in entries] == ["version 1", "version 2, acknowledgement required again"]


async def test_only_moderators_write_the_rules(grief, clock):
    circle, _, robin, _ = grief
    with pytest.raises(Forbidden):
        await rules.set_rules(circle, robin, "My rules", now=clock.now())


async def test_a_members_report_is_stored_for_the_facilitators_who_resolve_it(grief, clock):
    # SPEC: issue 7 reports (facilitators resolve reports with an outcome, logged)
    circle, host, robin, kim = grief
    thread = (await start_thread(SITE, circle, kim, title="Buy", source="pills", now=clock.now())).thread
    event = await reports.file_report(circle, robin, object_uris=[thread.uri], reported_actor=kim,
                                      reason="selling things", category="spam", now=clock.now())
    assert event.report is not None and event.reported_actor == kim
    assert [r.id for r in await reports.list_reports(host)] == [event.report.id]
    assert await reports.list_reports(robin) == []
    with pytest.raises(Forbidden):
        await reports.resolve_report(event.report, robin, outcome="nothing", now=clock.now())
    await reports.resolve_report(event.report, host, outcome="thread removed, member warned", now=clock.now())
    stored = await Report.get(id=event.report.id)
    assert (stored.state, stored.outcome, stored.resolved_by_id) == (ReportState.RESOLVED, "thread removed, "
                                                                     "member warned", host.id)
    entry = await ModerationLogEntry.get(action="resolve_report")
    assert (entry.target_uri, entry.reason) == (thread.uri, "thread removed, member warned")
    with pytest.raises(Conflict):
        await reports.resolve_report(stored, host, outcome="again", now=clock.now())


async def test_a_report_in_a_remote_circle_is_sent_there_not_kept_here(db, clock):
    robin = await local_person(SITE, "robin")
    circle = await remote_circle_with(robin)
    event = await reports.file_report(circle, robin, object_uris=["https://partner.example/t/1"],
                                      category="other", now=clock.now())
    assert event.report is None and not await Report.exists()


async def test_the_same_flag_is_stored_once_and_outsiders_cannot_report_in_a_circle(grief, clock):
    circle, _, _, kim = grief
    sam = await local_person(SITE, "sam")
    with pytest.raises(Forbidden):
        await reports.file_report(circle, sam, object_uris=[kim.uri], category="other", now=clock.now())
    flag = {"object_uris": [kim.uri], "category": "other", "now": clock.now(),
            "activity_uri": "https://social.example/flag/1"}
    assert await reports.file_report(circle, kim, **flag) is not None
    assert await reports.file_report(circle, kim, **flag) is None
    assert await Membership.exists(actor=kim)
