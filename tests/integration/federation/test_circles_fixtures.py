"""Real payload shapes from Mastodon, Lemmy, NodeBB and PieFed sent (signed, over loopback) to a hosted circle.

Each test replays fixtures from tests/fixtures/activities/ and checks the forum state and the Announces the
circle's Group sends back to its remote members."""

import logging

import pytest

from circlefed.domain.reactions import reaction_counts
from circlefed.storage.models import DomainAction, DomainRule, Membership, MembershipState, Post, Thread
from circlefed.web.keys import FEDERATION

from .circles import inbox_states, settle
from .fixtures import announces, deliver, join_by_fixture, payload

pytestmark = pytest.mark.storage

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def test_lemmy_follow_is_accepted_with_the_follow_embedded(hosted, remote, http):
    # SPEC: fep-1b12 following (Lemmy: Follow{to: [group]} -> Accept{object: Follow})
    lemmy = remote.add_actor("lemmy_user")
    follow = await join_by_fixture(hosted, http, remote, lemmy, "lemmy_follow_1")
    accept = remote.received[-1]
    assert accept["type"] == "Accept" and accept["actor"] == hosted.group_uri
    assert accept["object"]["id"] == follow["id"] and accept["object"]["actor"] == lemmy.uri
    with hosted.instance.db():
        row = await Membership.get(circle=hosted.circle, actor__uri=lemmy.uri)
    assert row.state is MembershipState.APPROVED and row.follow_activity_uri == follow["id"]


async def test_a_follow_of_a_circle_that_approves_joins_waits_for_a_facilitator(hosted, remote, http):
    # SPEC: PROTOCOL.md manuallyApprovesFollowers (true = join approval)
    with hosted.instance.db():
        hosted.circle.requires_approval = True
        await hosted.circle.save()
    piefed = remote.add_actor("piefed_user")
    await join_by_fixture(hosted, http, remote, piefed, "piefed_follow_1")
    assert remote.received == []
    with hosted.instance.db():
        assert (await Membership.get(circle=hosted.circle, actor__uri=piefed.uri)).state is MembershipState.PENDING


async def test_lemmy_create_page_becomes_a_thread_and_is_announced_twice(hosted, remote, http, watcher):
    # SPEC: fep-1b12 announce (the activity exactly as received, then Announce(Page) for Mastodon)
    lemmy = remote.add_actor("lemmy_user")
    await join_by_fixture(hosted, http, remote, lemmy, "lemmy_follow_1")
    create = payload("lemmy_create_1", **hosted.ids(remote, lemmy))
    await deliver(http, lemmy, hosted.inbox, create)
    await settle(hosted.instance)
    with hosted.instance.db():
        thread = await Thread.get(uri=create["object"]["id"])
    # SPEC: PROTOCOL.md trigger warnings; attack 19 (remote HTML sanitised on ingest)
    assert (thread.title, thread.content_warning) == ("A hard week", "self-harm mention")
    assert "script" not in thread.content_html and "javascript" not in thread.content_html
    assert thread.source == "Sharing because the group asked."
    first, second = announces(watcher)
    assert first["object"] == create and second["object"] == create["object"]
    assert announces(remote) == [], "not back to the server it came from"
    for announce in (first, second):
        assert announce["actor"] == hosted.group_uri
        assert announce["to"] == [hosted.group_uri, PUBLIC] and announce["cc"] == [f"{hosted.group_uri}/followers"]


async def test_lemmy_votes_are_counted_relayed_and_undone(hosted, remote, http, watcher):
    # SPEC: PROTOCOL.md reactions (Like and Dislike counted; Undo(Like) withdraws)
    lemmy = remote.add_actor("lemmy_user")
    await join_by_fixture(hosted, http, remote, lemmy, "lemmy_follow_1")
    ids = hosted.ids(remote, lemmy, object=hosted.thread.uri)
    like = payload("lemmy_like_1", **ids)
    await deliver(http, lemmy, hosted.inbox, like)
    await deliver(http, lemmy, hosted.inbox, payload("lemmy_dislike_1", **ids))
    await settle(hosted.instance)
    with hosted.instance.db():
        assert await reaction_counts(hosted.thread.uri) == {"like": 1, "dislike": 1}
    # Sorted: the worker processes the two inbox items concurrently, so their relays may leave in either order.
    assert sorted(a["object"]["type"] for a in announces(watcher)) == ["Dislike", "Like"]
    undo = payload("lemmy_undo_1", **ids)
    undo["object"]["id"] = like["id"]
    await deliver(http, lemmy, hosted.inbox, undo)
    await settle(hosted.instance)
    with hosted.instance.db():
        assert await reaction_counts(hosted.thread.uri) == {"like": 0, "dislike": 1}
    assert announces(watcher)[-1]["object"] == undo and announces(remote) == []


async def test_a_mastodon_mention_post_starts_a_thread_titled_by_its_first_line(hosted, remote, http, watcher):
    # SPEC: PROTOCOL.md from Mastodon (public Create(Note) mentioning and addressing the circle)
    mastodon = remote.add_actor("mo")
    await join_by_fixture(hosted, http, remote, mastodon, "mastodon_follow_1")
    create = payload("mastodon_create_1", **hosted.ids(remote, mastodon))
    await deliver(http, mastodon, hosted.inbox, create)
    await settle(hosted.instance)
    with hosted.instance.db():
        thread = await Thread.get(uri=create["object"]["id"])
    assert thread.title == "First winter without Dad"
    assert "I keep setting the table for three." in thread.content_html
    assert [a["object"] for a in announces(watcher)] == [create, create["object"]]


async def test_a_mastodon_note_that_does_not_mention_the_circle_starts_nothing(hosted, remote, http):
    mastodon = remote.add_actor("mo")
    await join_by_fixture(hosted, http, remote, mastodon, "mastodon_follow_1")
    create = payload("mastodon_create_1", **hosted.ids(remote, mastodon))
    create["object"]["tag"] = []
    await deliver(http, mastodon, hosted.inbox, create)
    await settle(hosted.instance)
    with hosted.instance.db():
        assert not await Thread.exists(uri=create["object"]["id"])
    assert await inbox_states(hosted.instance) == [("Follow", "delivered", None), ("Create", "delivered", None)]


async def test_a_note_with_the_circle_as_audience_starts_a_thread(hosted, remote, http):
    # SPEC: fep-1b12 audience (FEP-1b12 software names the group in `audience` instead of mentioning it)
    peer = remote.add_actor("peer_user")
    await join_by_fixture(hosted, http, remote, peer, "mastodon_follow_1")
    create = payload("mastodon_create_1", **hosted.ids(remote, peer))
    create["object"]["tag"] = []
    create["object"]["audience"] = hosted.group_uri
    await deliver(http, peer, hosted.inbox, create)
    await settle(hosted.instance)
    with hosted.instance.db():
        assert (await Thread.get(uri=create["object"]["id"])).title == "First winter without Dad"


async def test_a_mastodon_reply_lands_in_the_circle_without_addressing_it(hosted, remote, http, watcher):
    # SPEC: PROTOCOL.md from Mastodon (a reply whose inReplyTo is in a circle thread belongs to the circle)
    mastodon = remote.add_actor("mo")
    await join_by_fixture(hosted, http, remote, mastodon, "mastodon_follow_1")
    create = payload("mastodon_create_2", **hosted.ids(remote, mastodon))
    assert hosted.group_uri not in create["object"]["to"] + create["object"]["cc"]
    await deliver(http, mastodon, hosted.inbox, create)
    await settle(hosted.instance)
    with hosted.instance.db():
        reply = await Post.get(uri=create["object"]["id"])
    assert reply.thread_id == hosted.thread.id and reply.content_warning == "grief, family"
    assert "The second year was gentler" in reply.content_html
    assert [a["object"] for a in announces(watcher)] == [create, create["object"]], "as received, and the Note"


async def test_a_mastodon_like_is_counted_without_a_public_trace(hosted, remote, http):
    mastodon = remote.add_actor("mo")
    await join_by_fixture(hosted, http, remote, mastodon, "mastodon_follow_1")
    await deliver(
        http,
        mastodon,
        hosted.inbox,
        payload("mastodon_like_1", **hosted.ids(remote, mastodon, object=hosted.thread.uri)),
    )
    await settle(hosted.instance)
    with hosted.instance.db():
        assert await reaction_counts(hosted.thread.uri) == {"like": 1, "dislike": 0}
    async with http.get(f"{hosted.group_uri}/outbox", headers={"Accept": "application/activity+json"}) as r:
        outbox = await r.json(content_type=None)
    assert mastodon.uri not in str(outbox), "voters never appear in public collections (attack 17)"


async def test_a_nodebb_reply_note_lands_in_the_thread(hosted, remote, http):
    nodebb = remote.add_actor("nodebb_user")
    await join_by_fixture(hosted, http, remote, nodebb, "mastodon_follow_1")
    create = payload("nodebb_create_1", **hosted.ids(remote, nodebb))
    await deliver(http, nodebb, hosted.inbox, create)
    await settle(hosted.instance)
    with hosted.instance.db():
        reply = await Post.get(uri=create["object"]["id"])
    assert reply.thread_id == hosted.thread.id and reply.content_html == "<p>Thank you for writing this. It helped.</p>"


async def test_piefed_create_page_and_dislike(hosted, remote, http):
    piefed = remote.add_actor("piefed_user")
    await join_by_fixture(hosted, http, remote, piefed, "piefed_follow_1")
    create = payload("piefed_create_1", **hosted.ids(remote, piefed))
    await deliver(http, piefed, hosted.inbox, create)
    await deliver(
        http, piefed, hosted.inbox, payload("piefed_dislike_1", **hosted.ids(remote, piefed, object=hosted.thread.uri))
    )
    await settle(hosted.instance)
    with hosted.instance.db():
        thread = await Thread.get(uri=create["object"]["id"])
        assert await reaction_counts(hosted.thread.uri) == {"like": 0, "dislike": 1}
    assert (thread.title, thread.content_html) == ("Journalling helped me", "<p>Ten minutes every night, no rules.</p>")


async def test_a_delete_by_its_author_becomes_a_tombstone_and_is_relayed(hosted, remote, http, watcher):
    piefed = remote.add_actor("piefed_user")
    await join_by_fixture(hosted, http, remote, piefed, "piefed_follow_1")
    create = payload("piefed_create_1", **hosted.ids(remote, piefed))
    await deliver(http, piefed, hosted.inbox, create)
    await settle(hosted.instance)  # items of one batch are worked concurrently: the Create comes first here
    delete = payload("piefed_delete_1", **hosted.ids(remote, piefed, object=create["object"]["id"]))
    await deliver(http, piefed, hosted.inbox, delete)
    await settle(hosted.instance)
    with hosted.instance.db():
        thread = await Thread.get(uri=create["object"]["id"])
    assert thread.deleted_at is not None and thread.title == "" and thread.content_html == ""
    assert announces(watcher)[-1]["object"] == delete


async def test_attack_16_a_delete_or_update_by_someone_else_is_refused(hosted, remote, http):
    # SPEC: PROTOCOL.md attack 16 (Delete/Update by someone other than the author or a moderator)
    intruder = remote.add_actor("intruder")
    await join_by_fixture(hosted, http, remote, intruder, "piefed_follow_1")
    delete = payload("piefed_delete_1", **hosted.ids(remote, intruder, object=hosted.thread.uri))
    await deliver(http, intruder, hosted.inbox, delete)
    await settle(hosted.instance)
    with hosted.instance.db():
        thread = await Thread.get(id=hosted.thread.id)
    assert thread.deleted_at is None and thread.title == "Welcome"
    kind, state, error = (await inbox_states(hosted.instance))[-1]
    assert (kind, state) == ("Delete", "failed") and "only the author" in error


async def test_a_post_from_someone_who_has_not_joined_is_refused(hosted, remote, http, watcher):
    stranger = remote.add_actor("stranger")
    create = payload("lemmy_create_1", **hosted.ids(remote, stranger))
    await deliver(http, stranger, hosted.inbox, create)
    await settle(hosted.instance)
    with hosted.instance.db():
        assert not await Thread.exists(uri=create["object"]["id"])
    kind, state, error = (await inbox_states(hosted.instance))[-1]
    assert (kind, state) == ("Create", "failed") and "approved members" in error
    assert announces(watcher) == []


async def test_unknown_activity_types_are_done_without_error(hosted, remote, http):
    lemmy = remote.add_actor("lemmy_user")
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{lemmy.uri}/activities/x/1",
        "type": "Arrive",
        "actor": lemmy.uri,
        "object": hosted.group_uri,
    }
    await deliver(http, lemmy, hosted.inbox, activity)
    await settle(hosted.instance)
    assert await inbox_states(hosted.instance) == [("Arrive", "delivered", None)]


async def test_a_silenced_domains_post_is_held_for_review(hosted, remote, http):
    # SPEC: DESIGN.md flow 1 (the gate's Hold parks an item for facilitators)
    lemmy = remote.add_actor("lemmy_user")
    await join_by_fixture(hosted, http, remote, lemmy, "lemmy_follow_1")
    with hosted.instance.db():
        await DomainRule.create(domain=remote.domain, action=DomainAction.SILENCE)
    hosted.instance.app[FEDERATION].domain_gate.invalidate()
    create = payload("lemmy_create_1", **hosted.ids(remote, lemmy))
    await deliver(http, lemmy, hosted.inbox, create)
    await settle(hosted.instance)
    with hosted.instance.db():
        assert not await Thread.exists(uri=create["object"]["id"])
    assert (await inbox_states(hosted.instance))[-1] == ("Create", "held", None)


async def test_an_undo_naming_its_like_only_by_id_withdraws_the_vote(hosted, remote, http, caplog):
    # SPEC: PROTOCOL.md reactions; an Undo whose object is a bare id is looked up among what its actor did
    caplog.set_level(logging.INFO, logger="circlefed")
    lemmy = remote.add_actor("lemmy_user")
    await join_by_fixture(hosted, http, remote, lemmy, "lemmy_follow_1")
    ids = hosted.ids(remote, lemmy, object=hosted.thread.uri)
    like = payload("lemmy_like_1", **ids)
    await deliver(http, lemmy, hosted.inbox, like)
    await settle(hosted.instance)
    with hosted.instance.db():
        assert await reaction_counts(hosted.thread.uri) == {"like": 1, "dislike": 0}
    unknown = payload("lemmy_undo_1", **ids)
    unknown["id"], unknown["object"] = f"{unknown['id']}-unknown", f"{lemmy.uri}/activities/never-sent"
    await deliver(http, lemmy, hosted.inbox, unknown)
    await settle(hosted.instance)
    with hosted.instance.db():
        assert await reaction_counts(hosted.thread.uri) == {"like": 1, "dislike": 0}, "nothing known was undone"
    assert f"ignored Undo {unknown['id']}: nothing known to undo" in caplog.messages
    undo = payload("lemmy_undo_1", **ids)
    undo["object"] = like["id"]
    await deliver(http, lemmy, hosted.inbox, undo)
    await settle(hosted.instance)
    with hosted.instance.db():
        assert await reaction_counts(hosted.thread.uri) == {"like": 0, "dislike": 0}
