"""A local member joins a Group on another server (a fake Lemmy/NodeBB community on loopback) and the
instance accepts what that Group announces: Announce(Activity) and Announce(Object), checked at their origin."""

import json

import pytest

from circlefed.domain.reactions import reaction_counts
from circlefed.storage.models import DomainAction, DomainRule, Membership, MembershipState, Thread
from circlefed.web.keys import FEDERATION
from tests.fakes.remote import FakeRemote

from .circles import inbox_states, join, member, remote_circle_on, settle, start_quiet
from .fixtures import deliver, payload

pytestmark = pytest.mark.storage

AS2 = "application/activity+json"


@pytest.fixture
async def other_server():
    server = await FakeRemote().start()
    yield server
    await server.close()


@pytest.fixture
async def joined(start_instance, remote, http):
    """bea on instance B has joined `grief`, a Group on the fake remote server, which accepted."""
    b = await start_quiet(start_instance)
    bea = await member(b, "bea")
    group = remote.add_actor("grief", actor_type="Group")
    lem = remote.add_actor("lem")
    await join(b, bea, f"@grief@{remote.domain}")
    await settle(b)
    follow = remote.received[-1]
    accept = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{group.uri}/activities/accept/1",
        "type": "Accept",
        "actor": group.uri,
        "object": follow,
    }
    await deliver(http, group, f"{b.base_url}/u/bea/inbox", accept)
    await settle(b)

    class Joined:
        instance, group_actor, author, follow_activity = b, group, lem, follow
        inbox = f"{b.base_url}/inbox"

    Joined.member = bea
    Joined.circle = await remote_circle_on(b, group.uri)
    return Joined


def serve(server, uri: str, document: dict) -> None:
    path = uri.removeprefix(server.base_url)
    server.extra_documents[path] = (200, AS2, json.dumps(document).encode())


def group_ids(remote, group, author, **more) -> dict:
    return {"group": group.uri, "actor": author.uri, "origin": remote.base_url, **more}


async def test_joining_by_handle_sends_a_follow_that_the_accept_approves(joined, remote):
    # SPEC: fep-1b12 following (WebFinger, Follow to the Group's inbox, Accept approves)
    follow = joined.follow_activity
    assert follow["type"] == "Follow" and follow["actor"] == joined.member.uri
    assert follow["object"] == joined.group_actor.uri
    assert ("POST", "/users/grief/inbox") in [(method, path) for method, path, _ in remote.requests]
    with joined.instance.db():
        row = await Membership.get(circle=joined.circle, actor_id=joined.member.id)
    assert row.state is MembershipState.APPROVED and not joined.circle.is_local


async def test_a_lemmy_announce_of_create_page_is_stored_in_the_remote_circle(joined, remote, http):
    # SPEC: fep-1b12 announce (Announce(Create(Page)) from the Group, object on the Group's own server)
    announce = payload("lemmy_announce_1", **group_ids(remote, joined.group_actor, joined.author))
    await deliver(http, joined.group_actor, joined.inbox, announce)
    await settle(joined.instance)
    with joined.instance.db():
        thread = await Thread.get(uri=announce["object"]["object"]["id"]).prefetch_related("author")
    assert thread.circle_id == joined.circle.id and thread.title == "Anniversaries"
    assert thread.author.uri == joined.author.uri


async def test_attack_14_an_object_from_another_origin_is_taken_from_its_origin(joined, remote, other_server, http):
    # SPEC: PROTOCOL.md attack 14 (forged object embedded in an Announce: refetch from its origin)
    kim = other_server.add_actor("kim")
    announce = payload("lemmy_announce_1", **group_ids(other_server, joined.group_actor, kim))
    announce["actor"] = joined.group_actor.uri
    announce["id"] = f"{joined.group_actor.uri}/activities/announce/forged"
    page = dict(announce["object"]["object"])
    serve(other_server, page["id"], {**page, "@context": "https://www.w3.org/ns/activitystreams"})
    announce["object"]["object"]["content"] = "<p>Forged words put in kim's mouth.</p>"
    await deliver(http, joined.group_actor, joined.inbox, announce)
    await settle(joined.instance)
    with joined.instance.db():
        thread = await Thread.get(uri=page["id"])
    assert thread.content_html == "<p>How do you spend the day?</p>"
    assert ("GET", page["id"].removeprefix(other_server.base_url)) in [(m, p) for m, p, _ in other_server.requests]


async def test_a_nodebb_announce_of_an_article_id_is_fetched_and_its_teaser_is_no_warning(joined, remote, http):
    # SPEC: fep-1b12 announce (Announce(Object) by id; NodeBB's Article `summary` is a teaser)
    article_uri = f"{remote.base_url}/post/12"
    ids = group_ids(remote, joined.group_actor, joined.author, object=article_uri)
    serve(remote, article_uri, payload("nodebb_article_1", **ids))
    await deliver(http, joined.group_actor, joined.inbox, payload("nodebb_announce_1", **ids))
    await settle(joined.instance)
    with joined.instance.db():
        thread = await Thread.get(uri=article_uri)
    assert (thread.title, thread.content_warning) == ("Coping with the first holidays", None)
    assert "Then the rest of the topic." in thread.content_html


async def test_an_announced_like_is_counted_on_the_copy(joined, remote, http):
    ids = group_ids(remote, joined.group_actor, joined.author)
    announce = payload("lemmy_announce_1", **ids)
    await deliver(http, joined.group_actor, joined.inbox, announce)
    await settle(joined.instance)
    thread_uri = announce["object"]["object"]["id"]
    voter = remote.add_actor("voter")
    like = payload("lemmy_announce_2", **group_ids(remote, joined.group_actor, voter, object=thread_uri))
    await deliver(http, joined.group_actor, joined.inbox, like)
    await settle(joined.instance)
    with joined.instance.db():
        assert await reaction_counts(thread_uri) == {"like": 1, "dislike": 0}


async def test_a_removal_announced_by_the_group_is_applied(joined, remote, http):
    # SPEC: fep-1b12 moderation (followers accept moderation activities announced by the group)
    announce = payload("lemmy_announce_1", **group_ids(remote, joined.group_actor, joined.author))
    await deliver(http, joined.group_actor, joined.inbox, announce)
    await settle(joined.instance)
    thread_uri = announce["object"]["object"]["id"]
    moderator = remote.add_actor("mod")
    removal = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{moderator.uri}/activities/delete/1",
        "type": "Delete",
        "actor": moderator.uri,
        "object": thread_uri,
        "summary": "off topic",
    }
    wrapped = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{joined.group_actor.uri}/announce/9",
        "type": "Announce",
        "actor": joined.group_actor.uri,
        "object": removal,
    }
    await deliver(http, joined.group_actor, joined.inbox, wrapped)
    await settle(joined.instance)
    with joined.instance.db():
        assert (await Thread.get(uri=thread_uri)).deleted_at is not None


async def test_an_announce_from_a_group_nobody_here_joined_is_ignored(joined, remote, http):
    stranger_group = remote.add_actor("elsewhere", actor_type="Group")
    announce = payload("lemmy_announce_1", **group_ids(remote, stranger_group, joined.author))
    await deliver(http, stranger_group, joined.inbox, announce)
    await settle(joined.instance)
    with joined.instance.db():
        assert not await Thread.exists(uri=announce["object"]["object"]["id"])
    assert (await inbox_states(joined.instance))[-1] == ("Announce", "delivered", None)


async def test_attack_23_a_blocked_authors_post_is_refused_even_when_a_group_relays_it(
    joined, remote, other_server, http
):
    # SPEC: PROTOCOL.md attack 23 (block bypass through Announce by a third party)
    kim = other_server.add_actor("kim")
    with joined.instance.db():
        await DomainRule.create(domain=other_server.domain, action=DomainAction.BLOCK)
    joined.instance.app[FEDERATION].domain_gate.invalidate()  # as the admin CLI does for its own process
    announce = payload("lemmy_announce_1", **group_ids(other_server, joined.group_actor, kim))
    announce["id"] = f"{joined.group_actor.uri}/activities/announce/relayed"
    await deliver(http, joined.group_actor, joined.inbox, announce)
    await settle(joined.instance)
    with joined.instance.db():
        assert not await Thread.exists(uri=announce["object"]["object"]["id"])
    kind, state, error = (await inbox_states(joined.instance))[-1]
    assert (kind, state) == ("Announce", "failed") and "blocked" in error
    assert other_server.requests == [], "nothing is fetched from a blocked domain"
