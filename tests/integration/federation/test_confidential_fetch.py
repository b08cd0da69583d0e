"""Members and local circles at every read exit: objects, activities, collections, is_follower, discovery.

SPEC: PROTOCOL.md confidential circles; attacks 15 (non-member fetch), 17 (member lists), 21 (existence oracle)."""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from circlefed.domain import replies, threads
from circlefed.protocol.httpsig_sign import sign_cavage
from circlefed.storage.models import (
    Actor,
    Instance,
    InstancePolicy,
    Membership,
    OutboxActivity,
    TrustedInstance,
)
from circlefed.storage.models import Visibility as V
from circlefed.web.keys import FEDERATION, SITE
from tests.factories import approved_member

from .circles import act, circle, member, start_quiet

pytestmark = pytest.mark.storage
AS2 = {"Accept": "application/activity+json"}
SECRET_TITLE, SECRET_BODY = "Relapse last week", "I have not told my family yet."


def nodeinfo_of(remote, software: str = "circlefed") -> None:
    """Let the fake remote answer NodeInfo as `software` (read when its actors are first seen)."""
    index = {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": f"{remote.base_url}/ni"}]}
    remote.extra_documents["/.well-known/nodeinfo"] = (200, "application/json", json.dumps(index).encode())
    document = {"version": "2.1", "software": {"name": software, "version": "1"}}
    remote.extra_documents["/ni"] = (200, "application/json", json.dumps(document).encode())


@dataclass
class Net:
    a: object
    remote: object
    alice: object  # approved member on the remote (trusted) instance
    bob: object  # a non-member on the same remote instance
    robot: object  # the remote instance's Application actor
    thread_uri: str
    reply_uri: str
    group_uri: str


async def known(instance, fake) -> Actor:
    with instance.db():
        return await instance.app[FEDERATION].remote_actors.by_uri(fake.uri)


@pytest.fixture
async def net(start_instance, remote) -> Net:
    nodeinfo_of(remote)
    a = await start_quiet(start_instance)
    fran = await member(a, "fran")
    quiet = await circle(a, "quiet", fran, visibility=V.MEMBERS)
    alice, bob = remote.add_actor("alice"), remote.add_actor("bob")
    robot = remote.add_actor("instance", actor_type="Application")
    with a.db():
        await TrustedInstance.create(domain=remote.domain)
    alice_row = await known(a, alice)
    with a.db():
        await approved_member(quiet, alice_row)
    site, now = a.app[SITE], datetime.now(UTC)
    started = await act(a, threads.start_thread(site, quiet, fran, title=SECRET_TITLE, source=SECRET_BODY, now=now))
    posted = await act(a, replies.reply(site, started.thread, fran, source="We are here.", now=now))
    return Net(a, remote, alice, bob, robot, started.thread.uri, posted.post.uri, f"{a.base_url}/c/quiet")


def signed(actor, url: str, *, age: timedelta = timedelta(0), extra: dict | None = None) -> dict:
    headers = sign_cavage(
        method="GET", url=url, headers=dict(AS2), body=None, key_id=actor.key_id,
        private_key_pem=actor.private_pem, now=datetime.now(UTC) - age,
    )
    return {**headers, **(extra or {})}


async def fetch(http, url: str, headers: dict) -> tuple[int, bytes, dict]:
    async with http.get(url, headers={"X-Request-Id": "same", **headers}, allow_redirects=False) as response:
        return response.status, await response.read(), dict(response.headers)


def comparable(answer: tuple[int, bytes, dict]) -> tuple:
    status, body, headers = answer
    return status, body, {k: v for k, v in headers.items() if k not in ("Date", "Content-Length")}


async def content_urls(net) -> list[str]:
    with net.a.db():
        activities = await OutboxActivity.filter(circle__slug="quiet").values_list("uri", flat=True)
    collections = [f"{net.group_uri}/{name}" for name in ("outbox", "followers", "moderators", "featured")]
    threads_ = [net.thread_uri, net.reply_uri, f"{net.thread_uri}/context", f"{net.thread_uri}/replies"]
    return [*threads_, *collections, *activities]


async def test_members_content_is_404_no_store_for_everyone_but_fresh_signed_members(net, http):
    # SPEC: PROTOCOL.md attack 15 (unsigned, non-member, stale signature: 404, no-store; member: 200)
    for url in await content_urls(net):
        stale = signed(net.alice, url, age=timedelta(minutes=10))  # fine for public documents (1 h), not here
        for headers in (AS2, {"Accept": "text/html"}, signed(net.bob, url), stale):
            status, body, response_headers = await fetch(http, url, headers)
            assert status == 404, url
            assert response_headers["Cache-Control"] == "no-store"
            assert SECRET_TITLE.encode() not in body and b"fran" not in body
        status, body, response_headers = await fetch(http, url, signed(net.alice, url))
        assert status == 200, url
        assert response_headers["Cache-Control"] == "private, no-store" and "Signature" in response_headers["Vary"]
    # a member on a trusted instance reads the thread itself
    status, body, _ = await fetch(http, net.thread_uri, signed(net.alice, net.thread_uri))
    page = json.loads(body)
    assert page["name"] == SECRET_TITLE and "https://www.w3.org/ns/activitystreams#Public" not in page["to"]
    assert page["to"] == [net.group_uri, f"{net.group_uri}/followers"]


async def test_hidden_and_missing_answer_byte_for_byte_the_same(net, http):
    # SPEC: PROTOCOL.md attack 21 (no existence oracle)
    missing = f"{net.a.base_url}/t/doesnotexist"
    for accept in (AS2, {"Accept": "text/html"}):
        assert comparable(await fetch(http, net.thread_uri, accept)) == comparable(await fetch(http, missing, accept))
    hidden = await fetch(http, net.thread_uri, signed(net.bob, net.thread_uri))
    assert comparable(hidden) == comparable(await fetch(http, missing, signed(net.bob, missing)))
    nowhere = f"{net.a.base_url}/c/nowhere/outbox"
    outbox = f"{net.group_uri}/outbox"
    assert comparable(await fetch(http, outbox, signed(net.bob, outbox))) == comparable(
        await fetch(http, nowhere, signed(net.bob, nowhere))
    )


def hidden_because(caplog, who) -> list[str]:
    """Why the circle was hidden from `who`'s server, as logged (the answer itself is the same 404 whatever the
    reason; the log names the signer's domain, never the signer)."""
    domain = urlsplit(who.uri).netloc
    return [r.getMessage().split(": ", 1)[1] for r in caplog.records
            if r.getMessage().startswith("hid circle ") and f" from a signer on {domain}: " in r.getMessage()]


async def test_the_instance_actor_of_a_member_instance_reads_and_untrusted_instances_do_not(net, http, caplog):
    caplog.set_level(logging.INFO, logger="circlefed")
    status, body, _ = await fetch(http, net.thread_uri, signed(net.robot, net.thread_uri))
    assert status == 200, "the instance actor of an instance with an approved member"
    assert json.loads(body)["name"] == SECRET_TITLE
    with net.a.db():
        await TrustedInstance.filter(domain=net.remote.domain).delete()
    for who in (net.robot, net.alice):
        caplog.clear()  # both sign from the same server, which is all the log names
        status, body, _ = await fetch(http, net.thread_uri, signed(who, net.thread_uri))
        assert status == 404 and SECRET_TITLE.encode() not in body, "a member on an instance no longer trusted"
        assert hidden_because(caplog, who) == [f"{net.remote.domain} is not a trusted instance"]


async def test_software_that_does_not_honour_privacy_reads_nothing(net, http, caplog):
    caplog.set_level(logging.INFO, logger="circlefed")
    status, _, _ = await fetch(http, net.thread_uri, signed(net.alice, net.thread_uri))
    assert status == 200, "the control: while its software is circlefed, the member reads"
    with net.a.db():
        await Instance.filter(domain=net.remote.domain).update(software="mastodon")
    status, body, _ = await fetch(http, net.thread_uri, signed(net.alice, net.thread_uri))
    assert status == 404 and SECRET_TITLE.encode() not in body
    assert hidden_because(caplog, net.alice) == [
        f"{net.remote.domain} runs mastodon, which does not honour members-only circles"
    ]


async def test_is_follower_answers_a_signed_peer_about_its_own_actors_only(net, http):
    # SPEC: PROTOCOL.md confidential circles (GET <followers>?is_follower=<actor>); attack 17 (no enumeration)
    def url(actor_uri: str) -> str:
        return f"{net.group_uri}/followers?is_follower={actor_uri}"

    status, body, headers = await fetch(http, url(net.alice.uri), signed(net.robot, url(net.alice.uri)))
    assert status == 200 and json.loads(body)["orderedItems"] == [net.alice.uri]
    assert headers["Cache-Control"] == "private, no-store"
    refused = [
        (url(net.bob.uri), signed(net.robot, url(net.bob.uri))),  # same instance, not a member
        (url(net.alice.uri), AS2),  # unsigned
        (url(f"{net.a.base_url}/u/fran"), signed(net.robot, url(f"{net.a.base_url}/u/fran"))),  # other instance
        (url(net.alice.uri), signed(net.robot, url(net.alice.uri), age=timedelta(minutes=10))),
    ]
    nowhere = f"{net.a.base_url}/c/nowhere/followers?is_follower={net.alice.uri}"
    expected = comparable(await fetch(http, nowhere, signed(net.robot, nowhere)))
    for target, headers in refused:
        answer = comparable(await fetch(http, target, headers))
        assert answer[0] == 404 and answer[1] == expected[1]


async def test_a_public_circle_stays_readable_unsigned(start_instance, http):
    a = await start_quiet(start_instance)
    fran = await member(a, "fran")
    open_circle = await circle(a, "open", fran)
    started = await act(
        a, threads.start_thread(a.app[SITE], open_circle, fran, title="Hi", source="x", now=datetime.now(UTC))
    )
    for url in (started.thread.uri, f"{a.base_url}/c/open/outbox", f"{a.base_url}/c/open/moderators"):
        status, _, headers = await fetch(http, url, AS2)
        assert status == 200 and "no-store" not in headers.get("Cache-Control", "")


async def test_a_local_circle_does_not_exist_outside(start_instance, remote, http):
    # SPEC: PROTOCOL.md confidential circles: no actor document, no WebFinger, no objects, not even for members
    nodeinfo_of(remote)
    a = await start_quiet(start_instance)
    fran = await member(a, "fran")
    inhouse = await circle(a, "inhouse", fran, visibility=V.LOCAL)
    alice = remote.add_actor("alice")
    with a.db():
        await TrustedInstance.create(domain=remote.domain)
        await approved_member(inhouse, await known(a, alice))
    started = await act(
        a, threads.start_thread(a.app[SITE], inhouse, fran, title=SECRET_TITLE, source="x", now=datetime.now(UTC))
    )
    urls = [started.thread.uri, f"{a.base_url}/c/inhouse", f"{a.base_url}/c/inhouse/outbox",
            f"{a.base_url}/.well-known/webfinger?resource=acct:inhouse@{a.domain}"]
    for url in urls:
        for headers in (AS2, signed(alice, url)):
            status, body, _ = await fetch(http, url, headers)
            assert status == 404 and SECRET_TITLE.encode() not in body


async def test_other_instances_see_a_per_circle_pseudonym_not_the_account(net, http):
    # SPEC: issue 6 names: share_real_names off (the default): attributedTo is the member's pseudonym here
    status, body, _ = await fetch(http, net.thread_uri, signed(net.alice, net.thread_uri))
    author = json.loads(body)["attributedTo"]
    assert author != f"{net.a.base_url}/u/fran" and "fran" not in body.decode()
    status, body, _ = await fetch(http, author, AS2)
    person = json.loads(body)
    assert status == 200 and person["type"] == "Person" and person["name"].startswith("Member ")
    assert "fran" not in body.decode()
    with net.a.db():
        assert (await Membership.get(actor__local_name="fran")).pseudonym is None, "the generated name is no choice"
    reply = json.loads((await fetch(http, net.reply_uri, signed(net.alice, net.reply_uri)))[1])
    assert reply["attributedTo"] == author, "one pseudonym per member and circle"


async def test_with_real_names_shared_members_appear_as_themselves(start_instance, remote, http):
    nodeinfo_of(remote)
    a = await start_quiet(start_instance)
    fran = await member(a, "fran")
    quiet = await circle(a, "quiet", fran, visibility=V.MEMBERS)
    alice = remote.add_actor("alice")
    with a.db():
        await TrustedInstance.create(domain=remote.domain)
        await approved_member(quiet, await known(a, alice))
        await InstancePolicy.create(share_real_names=True)
    started = await act(a, threads.start_thread(a.app[SITE], quiet, fran, title="t", source="b", now=datetime.now(UTC)))
    _, body, _ = await fetch(http, started.thread.uri, signed(alice, started.thread.uri))
    assert json.loads(body)["attributedTo"] == fran.uri


async def test_a_remote_instances_software_is_read_from_its_nodeinfo_when_first_seen(net):
    with net.a.db():
        instance = await Instance.get(domain=net.remote.domain)
    assert (instance.software, instance.software_version) == ("circlefed", "1")
    assert ("GET", "/.well-known/nodeinfo") in [(method, path) for method, path, _ in net.remote.requests]
