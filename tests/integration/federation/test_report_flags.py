"""Reports between real instances: the category travels in the Flag; a circle hosted here takes Flags only from its
members or the reported author's own instance, a few a minute per actor; a report about a facilitator does not
go to her."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from circlefed.domain import reports, threads
from circlefed.storage.models import InboxItem, OutboxActivity, Report, ReportCategory, Thread
from circlefed.web.keys import SITE
from tests.factories import approved_member

from .circles import act, inbox_states, member, settle
from .fixtures import deliver, host_grief, ids_of, payload
from .moderation_net import moderation_net, now, with_facilitator_and_seller

pytestmark = pytest.mark.storage


@pytest.fixture
async def net(start_instance):
    """A hosts grief (fran); bea on B is a facilitator; cal on C is a member who started a thread."""
    return await with_facilitator_and_seller(await moderation_net(start_instance), start_instance)


async def stored(instance) -> list[tuple[str, str, str]]:
    """(object, category, reason) of every report an instance keeps."""
    with instance.db():
        return [(row.object_uri, row.category.value, row.reason) for row in await Report.all().order_by("id")]


async def test_the_category_travels_with_the_report_both_ways(net):
    # SPEC: FEDERATION.md reports (reportCategory, and the category's name first in summary for Lemmy/Mastodon)
    ana = await member(net.a, "ana")
    with net.a.db():
        await approved_member(net.grief, ana)
        cal_on_a = await (await Thread.get(uri=net.cal_thread)).author
    await act(net.a, reports.file_report(net.grief, ana, object_uris=[net.cal_thread], reported_actor=cal_on_a,
                                         category="harassment", reason="keeps messaging me", now=now()))
    await settle(net.a, net.b, net.c)
    assert await stored(net.b) == [(net.cal_thread, "harassment", "keeps messaging me")]  # bea's copy
    with net.a.db():
        flag = (await OutboxActivity.get(type="Flag")).payload
    assert (flag["reportCategory"], flag["summary"]) == ("harassment", "Harassment: keeps messaging me")
    # A member on B reports in the circle as B knows it: A keeps the category she chose.
    with net.b.db():
        cal_on_b = await (await Thread.get(uri=net.cal_thread)).author
    await act(net.b, reports.file_report(net.on_b, net.bea, object_uris=[net.cal_thread], reported_actor=cal_on_b,
                                         category="crisis_concern", now=now()))
    await settle(net.a, net.b, net.c)
    assert (net.cal_thread, "crisis_concern", "") in await stored(net.a)


async def test_a_report_about_a_facilitators_post_does_not_go_to_her(net):
    # SPEC: issue 15 reports (a report about a facilitator's own post goes to the other facilitators)
    ana = await member(net.a, "ana")
    with net.a.db():
        await approved_member(net.grief, ana)
    await act(net.a, reports.file_report(net.grief, ana, object_uris=[net.thread_uri], reported_actor=net.bea_on_a,
                                         category="ground_rules", now=now()))
    await settle(net.a, net.b, net.c)
    assert await stored(net.b) == []  # bea, the author, facilitates from B: nothing reaches her
    with net.a.db():
        announced = [a.payload["to"] for a in await OutboxActivity.filter(type="Announce")
                     if a.payload["object"].get("type") == "Flag"]
        assert announced == []
        assert [r.object_uri for r in await reports.list_reports(net.fran, circle=net.grief)] == [net.thread_uri]
        assert await reports.list_reports(net.bea_on_a, circle=net.grief) == []
        assert await reports.reports_for_admins() == []  # fran facilitates too


@pytest.fixture
def hosting(start_instance):
    """A hosting `grief` (fran facilitates) with fran's thread, with the settings given; a Lemmy-like remote
    member writes more."""

    async def start(**sections):
        built = await host_grief(start_instance, **sections)
        return built.instance, built.circle, built.thread, built.facilitator

    return start


async def joined(a, remote, http, name: str):
    actor = remote.add_actor(name)
    follow = payload("lemmy_follow_1", **ids_of(remote, actor, f"{a.base_url}/c/grief", a.domain))
    await deliver(http, actor, f"{a.base_url}/c/grief/inbox", follow)
    await settle(a)
    return actor


async def test_a_flag_from_someone_outside_the_circle_is_refused_with_ids_logged(hosting, remote, http, caplog):
    # SPEC: issue 15 reports (remote Flags into a circle only from its members or the author's instance)
    a, grief, welcome, _ = await hosting()
    stranger = remote.add_actor("stranger")
    flag = payload("lemmy_flag_1", **ids_of(remote, stranger, f"{a.base_url}/c/grief", a.domain, object=welcome.uri))
    with caplog.at_level(logging.INFO):
        await deliver(http, stranger, f"{a.base_url}/inbox", flag)
        await settle(a)
    kind, state, error = (await inbox_states(a))[-1]
    assert (kind, state) == ("Flag", "failed")
    assert f"circle {grief.id}" in error and "only the circle's members or the reported author's instance" in error
    assert await stored(a) == []
    refusals = [r.getMessage() for r in caplog.records if "refused a Flag" in r.getMessage()]
    assert refusals and all("stranger" not in line and remote.base_url not in line for line in refusals)


async def test_flags_from_a_member_or_the_authors_instance_are_kept_with_their_category(hosting, remote, http):
    # SPEC: FEDERATION.md reports (Lemmy and Mastodon send no category: `other`; circlefed's reportCategory is read)
    a, _, welcome, _ = await hosting()
    poster = await joined(a, remote, http, "lemmy_user")
    create = payload("lemmy_create_1", **ids_of(remote, poster, f"{a.base_url}/c/grief", a.domain))
    await deliver(http, poster, f"{a.base_url}/inbox", create)
    await settle(a)
    post_uri = create["object"]["id"]
    # The poster's own server reports its user's post, as Mastodon does: from its instance actor.
    server = remote.add_actor("actor", actor_type="Application")
    mastodon = payload("mastodon_flag_1", **ids_of(remote, server, "", "", person=poster.uri, object=post_uri))
    await deliver(http, server, f"{a.base_url}/inbox", mastodon)
    # A member reports fran's thread with circlefed's category.
    ids = ids_of(remote, poster, f"{a.base_url}/c/grief", a.domain, object=welcome.uri)
    lemmy = {**payload("lemmy_flag_1", **ids), "reportCategory": "spam", "summary": "Spam: buy now links"}
    await deliver(http, poster, f"{a.base_url}/inbox", lemmy)
    await settle(a)
    assert sorted(await stored(a)) == sorted([(post_uri, "other", "Please take a look at this"),
                                              (welcome.uri, "spam", "buy now links")])
    # The same member's second Flag about the same post, while the first is open, adds nothing.
    again = {**payload("lemmy_flag_1", **ids), "reportCategory": "harassment"}
    await deliver(http, poster, f"{a.base_url}/inbox", again)
    await settle(a)
    assert len(await stored(a)) == 2 and (await inbox_states(a))[-1][1] == "delivered"


async def test_a_flood_of_flags_from_one_actor_stops_at_the_rate_limit(hosting, remote, http):
    # SPEC: issue 15 reports (a per-actor rate limit on remote Flags)
    a, grief, welcome, fran = await hosting(moderation={"remote_reports_per_minute": 1, "remote_report_burst": 3})
    poster = await joined(a, remote, http, "lemmy_user")
    uris = [welcome.uri]
    for number in range(4):
        started = await act(a, threads.start_thread(a.app[SITE], grief, fran, title=f"Thread {number}",
                                                    source="words", now=datetime.now(UTC)))
        uris.append(started.thread.uri)
    for uri in uris:
        flag = payload("lemmy_flag_1", **ids_of(remote, poster, f"{a.base_url}/c/grief", a.domain, object=uri))
        await deliver(http, poster, f"{a.base_url}/inbox", flag)
    await settle(a)
    with a.db():
        flags = [(item.payload["object"], item.state.value, item.last_error or "")
                 for item in await InboxItem.all() if item.payload.get("type") == "Flag"]
    taken = sorted(uri for uri, state, _ in flags if state == "delivered")
    refused = [error for _, state, error in flags if state == "failed"]
    assert len(taken) == 3 and len(refused) == 2
    assert all("a Flag from actor" in error and "too many reports from this actor" in error for error in refused)
    assert sorted(uri for uri, _, _ in await stored(a)) == taken
    assert {category for _, category, _ in await stored(a)} == {ReportCategory.OTHER.value}
