"""What a circle's Group relays, in the shapes other servers take: a new thread or reply is announced as received
(Announce(Create), FEP-1b12) and as the object itself (Announce(Note|Page)), because Mastodon and Takahe take only
an announced status; a reply names the author it answers (cc and a Mention); nothing goes back to the instance it
came from; a Like undone and sent again under the same id counts again.

SPEC: FEDERATION.md relays; fep-1b12 announce. Mastodon's ActivityPub::Activity::Announce resolves `object` to a
status (an announced Create resolves to none and is rejected) and dates the boost by `published`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from circlefed.domain import memberships, replies, threads
from circlefed.domain.reactions import reaction_counts
from circlefed.storage.models import OutboxActivity, Post, Visibility
from circlefed.web.keys import SITE
from tests.fakes.remote import FakeRemote, post_signed

from .circles import act, circle, member, settle, start_quiet
from .fixtures import deliver, ids_of, payload

pytestmark = pytest.mark.storage


def now() -> datetime:
    return datetime.now(UTC)


class Hosted:
    """A public circle `grief` on instance A with a thread by fran; nia (on `origin`) and mo (on `watcher`), on
    two other servers, have joined it."""

    def __init__(self, instance, fran, grief, thread, origin, nia, watcher, mo) -> None:
        self.instance, self.fran, self.circle, self.thread = instance, fran, grief, thread
        self.origin, self.nia, self.watcher, self.mo = origin, nia, watcher, mo
        self.group_uri = f"{instance.base_url}/c/grief"
        self.inbox = f"{instance.base_url}/inbox"

    def ids(self, remote, actor, **more) -> dict[str, str]:
        return ids_of(remote, actor, self.group_uri, self.instance.domain, **more)


@pytest.fixture
async def hosted(start_instance, http):
    a = await start_quiet(start_instance)
    fran = await member(a, "fran")
    grief = await circle(a, "grief", fran)
    started = await act(
        a, threads.start_thread(a.app[SITE], grief, fran, title="Welcome", source="Say hello.", now=now())
    )
    origin, watcher = await FakeRemote().start(), await FakeRemote().start()
    built = Hosted(a, fran, grief, started.thread, origin, origin.add_actor("nia"), watcher, watcher.add_actor("mo"))
    for remote, actor in ((origin, built.nia), (watcher, built.mo)):
        await deliver(http, actor, f"{built.group_uri}/inbox", payload("mastodon_follow_1", **built.ids(remote, actor)))
    await settle(a)
    yield built
    await origin.close()
    await watcher.close()


def announces_of(remote: FakeRemote, object_uri: str) -> list[dict]:
    """The Announces the remote received whose object is, or carries, `object_uri`."""
    found = []
    for activity in remote.received:
        if activity["type"] != "Announce":
            continue
        carried = activity["object"]
        inner = carried.get("object") if isinstance(carried, dict) else None
        ids = {carried if isinstance(carried, str) else carried.get("id")}
        ids |= {inner if isinstance(inner, str) else (inner or {}).get("id")}
        if object_uri in ids:
            found.append(activity)
    return found


def reply_from(hosted: Hosted, in_reply_to: str) -> dict:
    """nia's Mastodon Create(Note) answering `in_reply_to` in the circle."""
    create = payload("mastodon_create_1", **hosted.ids(hosted.origin, hosted.nia))
    create["object"]["inReplyTo"] = in_reply_to
    create["object"]["content"] = "<p>Same here, the evenings most.</p>"
    return create


async def test_a_remote_reply_is_announced_in_both_shapes_to_others_and_not_back_to_its_instance(hosted, http):
    create = reply_from(hosted, hosted.thread.uri)
    note = create["object"]
    await deliver(http, hosted.nia, hosted.inbox, create)
    await settle(hosted.instance)
    with hosted.instance.db():
        assert await Post.exists(uri=note["id"]), "the reply was taken into the thread"
    relayed = announces_of(hosted.watcher, note["id"])
    assert [announce["object"] for announce in relayed] == [create, note]
    as_status = relayed[1]
    # What Mastodon and Takahe need to take it: a status as the object, dated, answering the thread.
    assert as_status["actor"] == hosted.group_uri and as_status["published"]
    assert as_status["object"]["type"] == "Note" and as_status["object"]["inReplyTo"] == hosted.thread.uri
    assert announces_of(hosted.origin, note["id"]) == [], "nia's server has its own reply already"


async def test_a_thread_from_a_remote_member_is_not_announced_back_to_its_instance(hosted, http):
    create = payload("mastodon_create_1", **hosted.ids(hosted.origin, hosted.nia))
    await deliver(http, hosted.nia, hosted.inbox, create)
    await settle(hosted.instance)
    assert [a["object"] for a in announces_of(hosted.watcher, create["object"]["id"])] == [create, create["object"]]
    assert announces_of(hosted.origin, create["object"]["id"]) == []


async def test_a_local_reply_mentions_the_author_it_answers_and_is_announced_as_a_note(hosted, http):
    create = reply_from(hosted, hosted.thread.uri)
    await deliver(http, hosted.nia, hosted.inbox, create)
    await settle(hosted.instance)
    with hosted.instance.db():
        answered = await Post.get(uri=create["object"]["id"])
        posted = await act(
            hosted.instance,
            replies.reply(hosted.instance.app[SITE], hosted.thread, hosted.fran, source="Thank you, nia.",
                          in_reply_to_uri=answered.uri, now=now()),
        )
    await settle(hosted.instance)
    for remote in (hosted.watcher, hosted.origin):  # nia's server too: this reply came from A
        wrapped, note = [announce["object"] for announce in announces_of(remote, posted.post.uri)]
        assert wrapped["type"] == "Create" and wrapped["object"] == note
        assert note["type"] == "Note" and note["inReplyTo"] == answered.uri
        assert note["cc"] == [hosted.nia.uri]
        mention = {"type": "Mention", "href": hosted.nia.uri, "name": f"@nia@{hosted.origin.domain}"}
        assert mention in note["tag"]


async def test_an_answer_to_oneself_mentions_nobody(hosted):
    with hosted.instance.db():
        posted = await act(
            hosted.instance,
            replies.reply(hosted.instance.app[SITE], hosted.thread, hosted.fran, source="And one more thing.",
                          now=now()),
        )
    await settle(hosted.instance)
    _, note = [announce["object"] for announce in announces_of(hosted.watcher, posted.post.uri)]
    assert note["cc"] == [] and [tag["type"] for tag in note["tag"]] == ["Mention"]  # the circle's own
    assert note["tag"][0]["href"] == hosted.group_uri


async def test_in_a_members_circle_the_answered_member_is_named_by_her_pseudonym(start_instance):
    a = await start_quiet(start_instance)
    fran, alice = await member(a, "fran"), await member(a, "alice")
    quiet = await circle(a, "quiet", fran, visibility=Visibility.MEMBERS)
    await act(a, memberships.request_join(quiet, alice, now=now()))
    await act(a, memberships.approve_membership(quiet, alice, by=fran))
    started = await act(a, threads.start_thread(a.app[SITE], quiet, alice, title="Tonight", source="Hard.", now=now()))
    posted = await act(a, replies.reply(a.app[SITE], started.thread, fran, source="I hear you.", now=now()))
    with a.db():
        thread_create = await OutboxActivity.get(type="Create", object_uri=started.thread.uri)
        reply_create = await OutboxActivity.get(type="Create", object_uri=posted.post.uri)
    shown_as = thread_create.payload["object"]["attributedTo"]
    assert shown_as != alice.uri, "positive control: the thread names alice by her pseudonym"
    note = reply_create.payload["object"]
    assert note["cc"] == [shown_as] and {"type": "Mention", "href": shown_as} in [
        {key: tag[key] for key in ("type", "href")} for tag in note["tag"]
    ]
    assert alice.uri not in json.dumps(reply_create.payload)
    assert "@alice@" not in json.dumps(reply_create.payload)


async def test_a_like_undone_and_sent_again_with_the_same_id_counts_again(hosted, http):
    ids = hosted.ids(hosted.origin, hosted.nia, object=hosted.thread.uri)
    like = payload("mastodon_like_1", **ids)
    undo = {**payload("lemmy_undo_1", **ids), "object": like}
    for second, (activity, count) in enumerate(((like, 1), (undo, 0), (like, 1))):
        # Signed a second apart at least: the same request signed in the same second would be a replay.
        signed_at = now() + timedelta(seconds=second)
        status, text = await post_signed(http, hosted.nia, hosted.inbox, activity, now=signed_at)
        assert status == 202, text
        await settle(hosted.instance)
        with hosted.instance.db():
            assert (await reaction_counts(hosted.thread.uri))["like"] == count, activity["type"]
