"""Reactions of members of an instance leaving it: Like and Undo(Like) between real circlefed instances on loopback.

A local member's vote in a public circle hosted here is announced by its Group; a vote in a remote circle goes
to that circle's Group; a vote in a circle hosted here that is not public never leaves (PROTOCOL.md reactions)."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import pytest

from circlefed.domain import memberships, threads
from circlefed.domain.reactions import react, reaction_counts, withdraw_reaction
from circlefed.storage.models import (
    Actor,
    Circle,
    Delivery,
    InboxItem,
    OutboxActivity,
    ReactionKind,
    Thread,
    TrustedInstance,
    Visibility,
)
from circlefed.web.keys import SITE
from tests.factories import PASSWORD

from .circles import act, circle, join, member, remote_circle_on, settle, start_quiet

pytestmark = pytest.mark.storage

AS2 = {"Accept": "application/activity+json"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LIKE = ReactionKind.LIKE


@dataclass
class Net:
    a: object
    b: object
    c: object
    fran: Actor  # facilitator of the circle, on A
    bea: Actor  # member on B
    cal: Actor  # member on C
    hosted: Circle  # on A
    thread_uri: str  # fran's thread in it


def now() -> datetime:
    return datetime.now(UTC)


async def world(start_instance, visibility: Visibility) -> Net:
    """A hosts a circle (B trusted for a members one) with a thread by fran; bea on B and cal on C joined it."""
    a, b, c = [await start_quiet(start_instance) for _ in range(3)]
    fran = await member(a, "fran")
    hosted = await circle(a, "grief", fran, visibility=visibility)
    with a.db():
        await TrustedInstance.create(domain=b.domain)
    bea, cal = await member(b, "bea"), await member(c, "cal")
    for instance, who in ((b, bea), (c, cal)):
        await join(instance, who, f"@grief@{a.domain}")
    await settle(a, b, c)
    if visibility is Visibility.MEMBERS:
        with a.db():
            joiner = await Actor.get(uri=bea.uri)
        await act(a, memberships.approve_membership(hosted, joiner, by=fran))
    started = await act(
        a, threads.start_thread(a.app[SITE], hosted, fran, title="Evenings", source="Evenings are hard.", now=now())
    )
    await settle(a, b, c)
    return Net(a, b, c, fran, bea, cal, hosted, started.thread.uri)


@pytest.fixture
async def public(start_instance) -> Net:
    return await world(start_instance, Visibility.PUBLIC)


@pytest.fixture
async def members(start_instance) -> Net:
    return await world(start_instance, Visibility.MEMBERS)


async def likes(instance, uri: str) -> int:
    with instance.db():
        return (await reaction_counts(uri))["like"]


async def like_on(instance, who: Actor, group_uri: str, thread_uri: str):
    """`who` (a member of `instance`) likes a thread of the circle as `instance` stores it (flow 2)."""
    with instance.db():
        circle_row = await Circle.get(actor__uri=group_uri)
        row = await Thread.get(uri=thread_uri)
    uri = instance.app[SITE].uris.new_activity()  # as the Like button does
    return await act(instance, react(circle_row, row, who, kind=LIKE, activity_uri=uri, now=now()))


async def unlike_on(instance, who: Actor, group_uri: str, thread_uri: str):
    with instance.db():
        circle_row = await Circle.get(actor__uri=group_uri)
    change = withdraw_reaction(circle_row, who, activity_uri=None, object_uri=thread_uri, kind=LIKE)
    return await act(instance, change)


async def received(instance) -> list[dict]:
    with instance.db():
        return [item.payload for item in await InboxItem.all().order_by("id")]


async def deliveries(instance) -> int:
    with instance.db():
        return await Delivery.all().count()


def group_of(net: Net) -> str:
    return f"{net.a.base_url}/c/grief"


async def signed_in(instance, name: str) -> aiohttp.ClientSession:
    browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # unsafe: an IP-address host
    async with browser.get(f"{instance.base_url}/login", headers={"Accept": "text/html"}) as response:
        token = CSRF.search(await response.text()).group(1)
    form = {"csrf_token": token, "username": name, "password": PASSWORD}
    async with browser.post(f"{instance.base_url}/login", data=form, allow_redirects=False) as response:
        assert response.status == 303
    return browser


async def press_like(browser: aiohttp.ClientSession, instance, thread_uri: str) -> None:
    """The Like button of the thread's page, as a member presses it (the same form toggles Unlike)."""
    with instance.db():
        row = await Thread.get(uri=thread_uri)
    async with browser.get(thread_uri, headers={"Accept": "text/html"}) as response:
        assert response.status == 200
        token = CSRF.search(await response.text()).group(1)
    like_url = f"{instance.base_url}/threads/{row.id}/like"
    async with browser.post(like_url, data={"csrf_token": token}, allow_redirects=False) as response:
        assert response.status == 303


async def test_a_local_members_like_reaches_the_other_instances_and_so_does_its_undo(public):
    # SPEC: fep-1b12 announce, PROTOCOL.md reactions (a local vote in a public circle is announced by its Group)
    net = public
    browser = await signed_in(net.a, "fran")
    try:
        await press_like(browser, net.a, net.thread_uri)
        await settle(net.a, net.b, net.c)
        assert [await likes(i, net.thread_uri) for i in (net.a, net.b, net.c)] == [1, 1, 1]
        announce = (await received(net.b))[-1]
        like = announce["object"]
        assert announce["type"] == "Announce" and announce["actor"] == group_of(net)
        assert {k: like[k] for k in ("type", "actor", "object", "audience", "to")} == {
            "type": "Like",
            "actor": net.fran.uri,
            "object": net.thread_uri,
            "audience": group_of(net),
            "to": [group_of(net)],
        }
        await press_like(browser, net.a, net.thread_uri)  # Unlike
        await settle(net.a, net.b, net.c)
    finally:
        await browser.close()
    assert [await likes(i, net.thread_uri) for i in (net.a, net.b, net.c)] == [0, 0, 0]
    undo = (await received(net.b))[-1]["object"]
    assert undo["type"] == "Undo" and undo["actor"] == net.fran.uri
    assert undo["object"]["id"] == like["id"]  # the Undo names the Like it takes back


async def test_a_like_from_b_reaches_the_host_and_is_relayed_to_c(public):
    # SPEC: fep-1b12 announce (a member's Like to the Group's inbox, relayed as Announce(Like))
    net = public
    await like_on(net.b, net.bea, group_of(net), net.thread_uri)
    await settle(net.a, net.b, net.c)
    assert [await likes(i, net.thread_uri) for i in (net.a, net.b, net.c)] == [1, 1, 1]
    sent = [p for p in await received(net.a) if p["type"] == "Like"]
    assert len(sent) == 1 and sent[0]["actor"] == net.bea.uri and sent[0]["audience"] == group_of(net)
    relayed = (await received(net.c))[-1]
    assert relayed["type"] == "Announce" and relayed["object"]["id"] == sent[0]["id"]
    await unlike_on(net.b, net.bea, group_of(net), net.thread_uri)
    await settle(net.a, net.b, net.c)
    assert [await likes(i, net.thread_uri) for i in (net.a, net.b, net.c)] == [0, 0, 0]


async def test_votes_are_not_served_at_their_ids(public, http):
    # SPEC: PROTOCOL.md attack 17 (who voted never leaks through a fetch; votes are only delivered)
    net = public
    liked = await like_on(net.a, net.fran, group_of(net), net.thread_uri)
    await unlike_on(net.a, net.fran, group_of(net), net.thread_uri)
    with net.a.db():
        kept = await OutboxActivity.all().order_by("id").values_list("uri", "type")
    votes = [uri for uri, kind in kept if kind in ("Like", "Undo")]
    announces = [uri for uri, kind in kept if kind == "Announce"][-2:]  # Announce(Like), Announce(Undo)
    assert liked.activity_uri in votes and len(votes) == 2
    async with http.get(net.thread_uri, headers=AS2) as response:  # the control: objects are served at their ids
        assert response.status == 200 and (await response.json())["id"] == net.thread_uri
    for uri in votes + announces:
        async with http.get(uri, headers=AS2) as response:
            assert response.status == 404, uri
            assert (await response.json())["error"] == "Nothing was found here.", uri


async def test_a_like_in_a_members_circle_hosted_here_never_leaves(members):
    # SPEC: PROTOCOL.md reactions (voters of a confidential circle stay on its instance)
    net = members
    with net.b.db():
        assert await Thread.exists(uri=net.thread_uri), "B holds the thread: its member bea was approved"
    before = await deliveries(net.a)
    assert before > 0, "the circle's activities do reach B (the thread did): only the vote must not"
    await like_on(net.a, net.fran, group_of(net), net.thread_uri)
    await settle(net.a, net.b, net.c)
    assert await likes(net.a, net.thread_uri) == 1, "the vote is recorded where the circle lives"
    assert await likes(net.b, net.thread_uri) == 0
    await unlike_on(net.a, net.fran, group_of(net), net.thread_uri)
    await settle(net.a, net.b, net.c)
    assert await likes(net.a, net.thread_uri) == 0, "and taken back there"
    assert await deliveries(net.a) == before
    with net.a.db():
        assert not await OutboxActivity.filter(type__in=("Like", "Undo")).exists()


async def test_a_like_in_a_remote_members_circle_goes_to_its_host_which_keeps_it(members):
    # SPEC: PROTOCOL.md reactions (the vote goes to the circle's Group; its host relays nothing of a members circle)
    net = members
    on_b = await remote_circle_on(net.b, group_of(net))
    assert on_b.visibility is Visibility.MEMBERS
    before = await deliveries(net.a)
    await like_on(net.b, net.bea, group_of(net), net.thread_uri)
    await settle(net.a, net.b, net.c)
    assert await likes(net.a, net.thread_uri) == 1
    assert await deliveries(net.a) == before  # no Announce(Like) from the Group
    with net.b.db():
        sent = await Delivery.all().prefetch_related("activity")
    assert [d.activity.type for d in sent if d.activity.type == "Like"] == ["Like"]
