"""Confidentiality over the life of a circle, across real instances: a ban ends reading everywhere, a circle made
confidential is hidden on partner instances too, moderation never names people by their accounts, hidden and
missing answer alike, and logs name nobody. Each case was seen to leak before it was fixed (issue 14).

SPEC: PROTOCOL.md confidential circles; FEDERATION.md confidential circles."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest

from circlefed.clock import FakeClock
from circlefed.domain import moderation
from circlefed.storage.models import (
    Actor,
    Circle,
    Delivery,
    InboxItem,
    Membership,
    MembershipState,
    Thread,
    Visibility,
)
from circlefed.web.keys import CLOCK
from tests.integration.web.page_forms import submit

from .circles import act, browser_of, member, run_periodic_jobs, settle
from .fixtures import without_request_id
from .lifecycle_net import lifecycle_net, signed_by

pytestmark = pytest.mark.storage


@pytest.fixture
async def net(start_instance):
    built = await lifecycle_net(start_instance)
    yield built
    await built.close()


async def ban_through_the_page(net, person: Actor, *, reason: str, share: bool) -> None:
    """The facilitator opens the members page's ban form for `person` and submits it as the page sends it."""
    page = f"{net.quiet_uri}/facilitate/members?ban={person.id}"
    fill = {"reason": reason} | ({"share_reason": "on"} if share else {})
    response = await submit(net.browsers["fran"], page, "Ban ", fill)
    assert response.status == 303, await response.text()


async def thread_on_b(net, uri: str) -> Thread | None:
    with net.b.db():
        return await Thread.get_or_none(uri=uri)


async def test_a_ban_ends_reading_and_delivery_here_and_on_the_member_instance(net, http):
    before = await net.post("zqold before the ban")
    with net.a.db():
        bea_on_a = await Actor.get(uri=net.bea.uri)
    await ban_through_the_page(net, net.robin, reason="zqreason kept private", share=False)
    # On A: the banned member reads nothing of the circle at once, and is told about the ban on its page.
    status, page = await net.page("zqrobin", net.quiet_uri)
    assert status == 200 and "zqold" not in page
    assert (await net.page("zqrobin", before.uri))[0] == 404
    assert "banned you from this circle" in page and "zqreason" not in page, "the reason was not shared"
    await ban_through_the_page(net, bea_on_a, reason="zqreason shared", share=True)
    await settle(net.a, net.b)
    after = await net.post("zqnew during the ban")
    assert "zqnew" not in (await net.page("zqrobin", net.quiet_uri))[1]
    assert (await net.page("zqrobin", after.uri))[0] == 404
    # Nothing of the new thread went to B, whose only member is banned.
    with net.a.db():
        assert not await Delivery.filter(domain=net.b.domain, activity__object_uri=after.uri).exists()
    assert await thread_on_b(net, after.uri) is None
    # B's signed fetches for the banned member get the answer of a missing object.
    for url in (after.uri, f"{net.quiet_uri}/outbox", f"{net.quiet_uri}/followers?is_follower={net.bea.uri}"):
        async with http.get(url, headers=signed_by(net.bea, url)) as response:
            assert response.status == 404, url
    # On B: the copy of the earlier thread is hidden from the banned member, who sees the notice and the reason.
    on_b = await net.on_b()
    old_copy = await thread_on_b(net, before.uri)
    assert old_copy is not None, "positive control: B held a copy before the ban"
    assert (await net.page("zqbea", f"{net.b.base_url}/threads/{old_copy.id}"))[0] == 404
    status, page = await net.page("zqbea", f"{net.b.base_url}/circles/remote/{on_b.id}")
    assert status == 200 and "zqold" not in page and "zqreason shared" in page

    # Lifting the bans (the members page's buttons) restores both memberships and what comes with them.
    for who in ("zqrobin", "zqbea"):
        response = await submit(net.browsers["fran"], f"{net.quiet_uri}/facilitate/members", "Lift the ban", naming=who)
        assert response.status == 303
    await settle(net.a, net.b)
    with net.a.db():
        states = {m.actor_id: m.state for m in await Membership.filter(circle=net.quiet)}
    assert set(states.values()) == {MembershipState.APPROVED}
    assert "zqnew" in (await net.page("zqrobin", net.quiet_uri))[1]
    assert (await net.page("zqbea", f"{net.b.base_url}/threads/{old_copy.id}"))[0] == 200
    later = await net.post("zqafter the ban")
    assert await thread_on_b(net, later.uri) is not None, "delivery to B resumes"


@pytest.fixture
async def timed(start_instance):
    """The same net, with one fake clock for both instances: time passes when the test says."""
    built = await lifecycle_net(start_instance, clock=FakeClock(datetime.now(UTC)))
    yield built
    await built.close()


async def test_a_timed_ban_ends_by_itself_and_reading_comes_back_on_both_instances(timed):
    net = timed
    before = await net.post("zqold before the timed ban")
    with net.a.db():
        bea_on_a = await Actor.get(uri=net.bea.uri)
    page = f"{net.quiet_uri}/facilitate/members?ban={bea_on_a.id}"
    response = await submit(net.browsers["fran"], page, "Ban ", {"reason": "", "expiry_days": "1"})
    assert response.status == 303, await response.text()
    await settle(net.a, net.b)
    old_copy = await thread_on_b(net, before.uri)
    copy_url = f"{net.b.base_url}/threads/{old_copy.id}"
    assert (await net.page("zqbea", copy_url))[0] == 404, "banned: B hides the copy from her"
    net.a.app[CLOCK].advance(timedelta(hours=23))
    await run_periodic_jobs(net.a, net.b)
    await settle(net.a, net.b)
    assert (await net.page("zqbea", copy_url))[0] == 404, "the day is not over yet"

    # The day is over: each instance's worker ends the ban (A lifts it and tells B), with no facilitator's hand.
    net.a.app[CLOCK].advance(timedelta(hours=1, minutes=1))
    await run_periodic_jobs(net.a, net.b)
    await settle(net.a, net.b)
    with net.a.db():
        assert (await Membership.get(circle=net.quiet, actor_id=bea_on_a.id)).state is MembershipState.APPROVED
    with net.b.db():
        assert (await Membership.get(actor_id=net.bea.id)).state is MembershipState.APPROVED
    status, copy = await net.page("zqbea", copy_url)
    assert status == 200 and "zqold" in copy, "she reads the circle's threads on her own instance again"
    later = await net.post("zqafter the timed ban")
    assert await thread_on_b(net, later.uri) is not None, "delivery to B resumes"


@pytest.fixture
async def opened(start_instance):
    """The same net, but the circle is public: zqbea joins it while anyone can read it."""
    built = await lifecycle_net(start_instance, visibility=Visibility.PUBLIC)
    yield built
    await built.close()


async def test_a_circle_made_members_only_is_hidden_on_partner_instances_old_and_new(opened):
    net = opened
    old = await net.post("zqold while public")
    old_copy = await thread_on_b(net, old.uri)
    assert (await net.page("zqbob", f"{net.b.base_url}/threads/{old_copy.id}"))[0] == 200, "public: anyone on B"
    response = await submit(net.browsers["fran"], f"{net.quiet_uri}/facilitate/settings", "Save settings",
                            {"visibility": "members"})
    assert response.status == 303
    await settle(net.a, net.b)
    on_b = await net.on_b()
    assert on_b.visibility is Visibility.MEMBERS, "B re-read the level from the Update(Group)"
    new = await net.post("zqnew members only")
    new_copy = await thread_on_b(net, new.uri)
    assert new_copy is not None and new_copy.audience is Visibility.MEMBERS
    for thread in (old_copy, new_copy):
        assert (await net.page("zqbea", f"{net.b.base_url}/threads/{thread.id}"))[0] == 200, "a member reads on"
        assert (await net.page("zqbob", f"{net.b.base_url}/threads/{thread.id}"))[0] == 404
    status, page = await net.page("zqbob", f"{net.b.base_url}/circles/remote/{on_b.id}")
    assert status == 404 or ("zqold" not in page and "zqnew" not in page)
    # Whatever B stored of the circle's level, a relayed post not addressed to Public reaches only its members.
    with net.b.db():
        await Circle.filter(id=on_b.id).update(visibility=Visibility.PUBLIC)
    assert (await net.page("zqbob", f"{net.b.base_url}/threads/{new_copy.id}"))[0] == 404
    with net.b.db():
        await Circle.filter(id=on_b.id).update(visibility=Visibility.MEMBERS)

    # The facilitators see who joined while the circle was public and remove them in one step.
    _, members = await net.page("fran", f"{net.quiet_uri}/facilitate/members")
    joined_then = members.split("Joined while the circle was public")[1].split("<h2>Members</h2>")[0]
    assert "zqbea" in joined_then and "zqrobin" in joined_then
    response = await submit(net.browsers["fran"], f"{net.quiet_uri}/facilitate/members", "Remove all 2")
    assert response.status == 303
    await settle(net.a, net.b)
    with net.b.db():
        assert not await Membership.filter(actor_id=net.bea.id).exists(), "B learnt of the removal"
    assert (await net.page("zqbea", f"{net.b.base_url}/threads/{new_copy.id}"))[0] == 404
    assert (await net.page("zqrobin", new.uri))[0] == 404


async def test_moderation_names_nobody_by_their_account_in_a_members_circle(net, http):
    thread = await net.post("zqlocked soon")
    await act(net.a, moderation.lock_thread(thread, net.fran, reason="zqcooling off", now=net.now()))
    await ban_through_the_page(net, net.robin, reason="zqreason private", share=False)
    await settle(net.a, net.b)
    with net.b.db():
        received = [item.payload for item in await InboxItem.filter(domain=net.a.domain)]
    kinds = [p["object"].get("type") for p in received if p["type"] == "Announce" and isinstance(p["object"], dict)]
    assert "Lock" in kinds, "positive control: B got the circle's moderation"
    text = str(received)
    for real in (net.fran.uri, net.robin.uri, "zqrobin", "zqreason"):
        assert real not in text, real
    assert "Block" not in kinds, "a ban of a member of A concerns no other instance"
    url = f"{net.quiet_uri}/moderators"
    async with http.get(url, headers=signed_by(net.bea, url)) as response:
        moderators = await response.json()
    assert response.status == 200 and len(moderators["orderedItems"]) == 1
    assert moderators["orderedItems"][0] != net.fran.uri and "/u/m_" in moderators["orderedItems"][0]


async def test_a_hidden_thread_and_a_missing_one_answer_alike_to_a_non_member(net):
    thread = await net.post("zqhidden")
    hidden = await net.page("zqbob", f"{net.b.base_url}/threads/999999")
    with net.b.db():
        copy = await Thread.get(uri=thread.uri)
    shown = await net.page("zqbob", f"{net.b.base_url}/threads/{copy.id}")
    assert shown[0] == hidden[0] == 404 and without_request_id(shown[1]) == without_request_id(hidden[1])
    # The same for a form sent to a hidden thread and to none, by a signed-in account of the hosting instance.
    await member(net.a, "zqstranger")
    net.browsers["zqstranger"] = outsider = await browser_of(net.a, "zqstranger")
    answers = []
    for thread_id in (thread.id, 999999):
        token = re.search(r'name="csrf_token" value="([^"]+)"', (await net.page("zqstranger", net.quiet_uri))[1])[1]
        async with outsider.post(f"{net.a.base_url}/threads/{thread_id}/reply", data={"csrf_token": token,
                                 "body": "hi"}, headers={"Accept": "text/html"}, allow_redirects=False) as response:
            answers.append((response.status, without_request_id(await response.text())))
    assert answers[0] == answers[1] and answers[0][0] == 404


async def test_logs_name_no_member_of_a_members_circle(start_instance, caplog):
    caplog.set_level(logging.DEBUG)
    net = await lifecycle_net(start_instance)
    try:
        await net.post("zqlogged", author=net.robin)
        await ban_through_the_page(net, net.robin, reason="x", share=False)
        response = await submit(net.browsers["zqbea"], f"{net.b.base_url}/account", "Save name for",
                                {f"pseudonym-{(await _membership_on_b(net)).id}": "Zq Bea"})
        assert response.status == 303
        await settle(net.a, net.b)
    finally:
        await net.close()
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("circlefed"))
    assert "banned by" in logged, "positive control: the flow was logged"
    for name in ("zqrobin", "zqbea", net.robin.uri, net.bea.uri):
        assert name not in logged, name


async def _membership_on_b(net) -> Membership:
    with net.b.db():
        return await Membership.get(actor_id=net.bea.id)


async def test_a_name_chosen_in_a_members_circle_is_shown_and_never_the_username(net):
    with net.a.db():
        membership = await Membership.get(circle=net.quiet, actor_id=net.robin.id)
    robin, field = net.browsers["zqrobin"], f"pseudonym-{membership.id}"
    response = await submit(robin, f"{net.a.base_url}/account", "Save name for", {field: "Noah R"})
    assert response.status == 303
    _, account = await net.page("zqrobin", f"{net.a.base_url}/account")
    assert "you are now shown as “Noah R”" in account
    generated = re.search(r"Without one you are shown as “(Member [0-9a-f]{6})”", account)[1]
    thread = await net.post("zqnamed", author=net.robin)
    _, page = await net.page("fran", f"{net.quiet_uri}")
    assert "by Noah R" in page and "zqrobin" not in page
    response = await submit(robin, f"{net.a.base_url}/account", "Go back to")
    assert response.status == 303
    _, account = await net.page("zqrobin", f"{net.a.base_url}/account")
    assert f"you are now shown as “{generated}”" in account
    _, page = await net.page("fran", thread.uri)
    assert generated in page and "zqrobin" not in page
