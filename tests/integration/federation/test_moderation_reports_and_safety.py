"""Reports reaching facilitators on other instances, and the safety net on posts arriving from other instances."""

import json

import pytest

from circlefed.domain import reports, review, safety_admin, threads
from circlefed.domain.safety import CRISIS_HOLD
from circlefed.storage.models import OutboxActivity, Report, ReviewState, Thread
from circlefed.web.keys import SITE
from tests.factories import approved_member
from tests.fakes.remote import signed_post_headers

from .circles import act, circle, inbox_states, member, settle, start_quiet
from .fixtures import payload
from .moderation_net import moderation_net, now, with_facilitator_and_seller

pytestmark = pytest.mark.storage


@pytest.fixture
async def net(start_instance):
    """A hosts grief (fran); bea on B is a facilitator; cal on C is a member who started a thread."""
    return await with_facilitator_and_seller(await moderation_net(start_instance), start_instance)


async def reports_on(instance) -> list[tuple[str, str]]:
    with instance.db():
        rows = await Report.all().order_by("id").prefetch_related("reporter")
        return [(row.reporter.uri, row.object_uri) for row in rows]


async def test_a_report_reaches_the_facilitators_on_their_own_instance(net, http):
    # SPEC: PROTOCOL.md moderation (Flag to the circle; Announce(Flag) to remote facilitators' instances)
    ana = await member(net.a, "ana")
    with net.a.db():
        await approved_member(net.grief, ana)
        thread = await Thread.get(uri=net.cal_thread)
        cal_on_a = await thread.author
    await act(net.a, reports.file_report(net.grief, ana, object_uris=[net.cal_thread], reported_actor=cal_on_a,
                                         category="spam", reason="selling", now=now()))
    await settle(net.a, net.b, net.c)
    assert await reports_on(net.a) == [(ana.uri, net.cal_thread)]
    assert await reports_on(net.b) == [(ana.uri, net.cal_thread)]  # bea, a facilitator on B, sees it
    assert await reports_on(net.c) == []  # the author's instance only when the admin allows it
    with net.b.db():
        [report] = await reports.list_reports(net.bea)
    assert report.reason == "selling"
    with net.a.db():
        forwarded = [a for a in await OutboxActivity.filter(type="Announce") if a.payload["object"]["type"] == "Flag"]
    assert [a.payload["to"] for a in forwarded] == [[net.bea.uri]]  # to the facilitators only
    async with http.get(forwarded[0].uri, headers={"Accept": "application/activity+json"}) as response:
        assert response.status == 404  # reports are never served


async def test_a_remote_members_report_is_forwarded_to_the_authors_instance_when_the_admin_allows(net):
    # SPEC: PROTOCOL.md moderation (where the admin allows, to the reported author's home instance)
    with net.a.db():
        await safety_admin.set_switch("forward_reports_to_author_instance", True)
    with net.b.db():
        thread_on_b = await Thread.get(uri=net.cal_thread)
        cal_on_b = await thread_on_b.author
    await act(net.b, reports.file_report(net.on_b, net.bea, object_uris=[net.cal_thread], reported_actor=cal_on_b,
                                         category="spam", reason="advertising", now=now()))
    await settle(net.a, net.b, net.c)
    assert await reports_on(net.a) == [(net.bea.uri, net.cal_thread)]
    assert await reports_on(net.c) == [(net.bea.uri, net.cal_thread)]
    assert await reports_on(net.b) == []  # bea sent it: her own Flag relayed back is not stored twice


async def test_a_remote_post_matching_a_hold_rule_waits_for_review_and_goes_out_once_approved(net):
    # SPEC: issue 7 safety net (hold for review: invisible until a facilitator approves)
    with net.a.db():
        await safety_admin.add_content_rule("miracle cure", "hold")
    started = await act(net.c, threads.start_thread(net.c.app[SITE], net.on_c, net.cal, title="Try this",
                                                    source="A miracle cure for grief", now=now()))
    await settle(net.a, net.b, net.c)
    with net.a.db():
        held = await Thread.get(uri=started.thread.uri)
    assert held.review_state is ReviewState.HELD
    with net.b.db():
        assert not await Thread.exists(uri=started.thread.uri)  # not relayed while held
    await act(net.a, review.approve_post(held, net.fran, now=now()))
    await settle(net.a, net.b, net.c)
    with net.b.db():
        assert (await Thread.get(uri=started.thread.uri)).title == "Try this"


async def test_a_remote_post_in_crisis_language_is_held_on_the_circles_instance_and_not_relayed(net):
    # SPEC: issue 15 crisis detection (remote posts in crisis language are held the same way)
    started = await act(net.c, threads.start_thread(net.c.app[SITE], net.on_c, net.cal, title="Tonight",
                                                    source="nobody would miss me if I was gone", now=now()))
    assert not started.screening.is_held and started.screening.crisis_resources  # C shows cal the resources
    await settle(net.a, net.b, net.c)
    with net.a.db():
        held = await Thread.get(uri=started.thread.uri)
    assert held.review_state is ReviewState.HELD and held.review_reason == CRISIS_HOLD
    with net.b.db():
        assert not await Thread.exists(uri=started.thread.uri)  # not relayed while held


async def test_a_remote_post_matching_a_reject_rule_is_refused_with_the_rule_named(net):
    with net.a.db():
        rule = await safety_admin.add_content_rule("pills", "reject")
    started = await act(net.c, threads.start_thread(net.c.app[SITE], net.on_c, net.cal, title="More",
                                                    source="more pills", now=now()))
    await settle(net.a, net.b, net.c)
    kind, state, error = (await inbox_states(net.a))[-1]
    assert (kind, state) == ("Create", "failed") and f"content rule #{rule.id}" in error and "pills" not in error
    with net.a.db():
        assert not await Thread.exists(uri=started.thread.uri)


async def three_follows(
    start_instance, remote, http, moderation: dict, padding: int = 0, paddings: tuple[int, ...] = ()
) -> list[tuple]:
    """(status, Retry-After, text) of signed Follows from one remote domain to an instance with these limits:
    three padded with `padding` bytes, or one per entry of `paddings`."""
    a = await start_quiet(start_instance, moderation=moderation)
    await circle(a, "grief", await member(a, "fran"))
    actor = remote.add_actor("lemmy_user")
    ids = {"actor": actor.uri, "origin": remote.base_url, "circle": f"{a.base_url}/c/grief", "circle_host": a.domain}
    answers = []
    for size in paddings or (padding,) * 3:
        follow = {**payload("lemmy_follow_1", **ids), **({"padding": "x" * size} if size else {})}
        body = json.dumps(follow).encode()
        headers = {**signed_post_headers(actor, f"{a.base_url}/inbox", body), "Accept": "application/json"}
        async with http.post(f"{a.base_url}/inbox", data=body, headers=headers) as response:
            answers.append((response.status, response.headers.get("Retry-After"), await response.text()))
    return answers


async def test_too_many_deliveries_from_one_domain_are_answered_429_with_retry_after(start_instance, remote, http):
    # SPEC: issue 7 rate limits (per remote domain, a clear 429 with Retry-After)
    limits = {"domain_deliveries_per_minute": 1, "domain_delivery_burst": 2}
    answers = await three_follows(start_instance, remote, http, limits)
    assert [(status, retry) for status, retry, _ in answers] == [(202, None), (202, None), (429, "60")]
    assert "too many deliveries from this domain" in answers[-1][2]


async def test_padded_payloads_from_one_domain_run_out_of_its_byte_budget(start_instance, remote, http):
    # SPEC: issue 20 item 3 (per-domain byte budgets as well as request counts)
    limits = {"domain_bytes_per_minute": 60_000, "domain_bytes_burst": 100_000}
    answers = await three_follows(start_instance, remote, http, limits, padding=45_000)
    assert [status for status, _, _ in answers] == [202, 202, 429], "three requests: far under the count limit"
    assert "too many bytes from this domain" in answers[-1][2] and answers[-1][1] is not None


async def test_a_delivery_refused_for_its_bytes_spends_none_of_the_domains_request_count(start_instance, remote, http):
    # Both budgets are checked before either is spent: a padded delivery answered 429 for its bytes leaves the
    # domain's request count as it was, so the small delivery after it still fits.
    limits = {"domain_deliveries_per_minute": 1, "domain_delivery_burst": 3,
              "domain_bytes_per_minute": 60, "domain_bytes_burst": 100_000}
    answers = await three_follows(start_instance, remote, http, limits, paddings=(45_000, 45_000, 45_000, 0))
    assert [status for status, _, _ in answers] == [202, 202, 429, 202], [text for _, _, text in answers]
