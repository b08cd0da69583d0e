"""Lemmy- and Mastodon-shaped moderation payloads (Block, Lock, Flag, a moderator's Delete) sent, signed over
loopback, to a circle hosted here: applied when they come from a moderator, refused otherwise."""


from datetime import UTC, datetime

import pytest

from circlefed.domain import moderation
from circlefed.storage.models import (
    Actor,
    CircleBan,
    Membership,
    MembershipState,
    ModerationLogEntry,
    OutboxActivity,
    Report,
    ReportCategory,
    Role,
    Thread,
)
from circlefed.web.keys import SITE

from .circles import act, inbox_states, settle
from .fixtures import deliver, payload

pytestmark = pytest.mark.storage


async def joined(hosted, http, remote, name: str, *, facilitator: bool = False):
    """A Lemmy user of the fake remote who joined the circle (and was made facilitator)."""
    actor = remote.add_actor(name)
    await deliver(http, actor, f"{hosted.group_uri}/inbox", payload("lemmy_follow_1", **hosted.ids(remote, actor)))
    await settle(hosted.instance)
    if facilitator:
        with hosted.instance.db():
            await Membership.filter(actor__uri=actor.uri).update(role=Role.FACILITATOR)
    return actor


async def lemmy_thread(hosted, http, remote, actor) -> str:
    create = payload("lemmy_create_1", **hosted.ids(remote, actor))
    await deliver(http, actor, hosted.inbox, create)
    await settle(hosted.instance)
    return create["object"]["id"]


def announced(remote, kind: str) -> list[dict]:
    return [a["object"] for a in remote.received if a["type"] == "Announce" and a["object"].get("type") == kind]


async def test_a_lemmy_moderators_block_with_remove_data_bans_and_removes_and_is_announced(hosted, remote, http):
    # SPEC: PROTOCOL.md moderation (Lemmy block/block_user.json: Block{target: circle, removeData, expires})
    mod = await joined(hosted, http, remote, "lemmy_mod", facilitator=True)
    troll = await joined(hosted, http, remote, "troll")
    post_uri = await lemmy_thread(hosted, http, remote, troll)
    block = payload("lemmy_block_1", **hosted.ids(remote, mod, person=troll.uri))
    await deliver(http, mod, hosted.inbox, block)
    await settle(hosted.instance)
    with hosted.instance.db():
        ban = await CircleBan.get(actor__uri=troll.uri).prefetch_related("banned_by")
        assert (ban.reason, ban.remove_data, ban.banned_by.uri, ban.activity_uri) == ("spam post", True, mod.uri,
                                                                                      block["id"])
        assert ban.expires_at.year == 2099
        assert (await Thread.get(uri=post_uri)).deleted_at is not None
        actions = await ModerationLogEntry.all().order_by("id").values_list("action", flat=True)
    assert list(actions) == ["remove_thread", "ban_member"]
    assert announced(remote, "Block") == [block]  # relayed exactly as received


async def test_a_banned_member_who_follows_again_is_answered_with_a_reject_naming_the_end_of_the_ban(
    hosted, remote, http
):
    # SPEC: issue 22 item 7 (a refused join is answered with Reject(Follow), so nobody waits on "pending")
    troll = await joined(hosted, http, remote, "troll")
    until = datetime(2099, 1, 2, 3, 4, tzinfo=UTC)
    with hosted.instance.db():
        banned = await Actor.get(uri=troll.uri)
    await act(hosted.instance, moderation.ban_member(
        hosted.instance.app[SITE], hosted.circle, banned, hosted.facilitator, expires_at=until,
        now=datetime.now(UTC)))
    await settle(hosted.instance)
    remote.received.clear()
    follow = payload("lemmy_follow_1", **hosted.ids(remote, troll))
    await deliver(http, troll, f"{hosted.group_uri}/inbox", follow)
    await settle(hosted.instance)
    [answer] = remote.received
    assert (answer["type"], answer["object"]["id"]) == ("Reject", follow["id"])
    assert answer["summary"] == "You are banned from this circle until 2099-01-02 03:04 UTC."
    assert (await inbox_states(hosted.instance))[-1][:2] == ("Follow", "failed")
    with hosted.instance.db():
        assert (await Membership.get(actor__uri=troll.uri)).state is MembershipState.BANNED


async def test_a_lemmy_lock_from_a_moderator_locks_the_thread(hosted, remote, http):
    # SPEC: PROTOCOL.md moderation (Lemmy community/lock_page.json)
    mod = await joined(hosted, http, remote, "lemmy_mod", facilitator=True)
    lock = payload("lemmy_lock_1", **hosted.ids(remote, mod, object=hosted.thread.uri))
    await deliver(http, mod, hosted.inbox, lock)
    await settle(hosted.instance)
    with hosted.instance.db():
        assert (await Thread.get(uri=hosted.thread.uri)).is_locked
        entry = await ModerationLogEntry.get(action="lock_thread")
    assert entry.reason == "A reason for a lock"
    assert announced(remote, "Lock") == [lock]


async def test_a_lemmy_moderators_removal_deletes_the_post_with_its_reason_logged(hosted, remote, http):
    # SPEC: PROTOCOL.md moderation (Lemmy deletion/remove_note.json: Delete by a moderator, announced)
    mod = await joined(hosted, http, remote, "lemmy_mod", facilitator=True)
    delete = payload("lemmy_delete_1", **hosted.ids(remote, mod, object=hosted.thread.uri))
    await deliver(http, mod, hosted.inbox, delete)
    await settle(hosted.instance)
    with hosted.instance.db():
        assert (await Thread.get(uri=hosted.thread.uri)).deleted_at is not None
        entry = await ModerationLogEntry.get(action="remove_thread").prefetch_related("moderator")
    assert (entry.moderator.uri, entry.reason) == (mod.uri, "bad comment")
    with hosted.instance.db():
        relayed = await OutboxActivity.filter(type="Announce", object_uri=hosted.thread.uri).order_by("-id").first()
    assert relayed.payload["object"] == delete, "announced to the circle's members as received"
    assert announced(remote, "Delete") == [], "not back to the moderator's own server, which has it"


async def test_the_same_lock_and_block_from_a_member_who_is_no_moderator_are_refused(hosted, remote, http):
    # SPEC: PROTOCOL.md attack 16 (moderation only from moderators; a forged action fails with its reason)
    member_actor = await joined(hosted, http, remote, "lemmy_user")
    ids = hosted.ids(remote, member_actor, object=hosted.thread.uri, person=hosted.facilitator.uri)
    for name in ("lemmy_lock_1", "lemmy_block_1", "lemmy_delete_1"):
        await deliver(http, member_actor, hosted.inbox, payload(name, **ids))
    await settle(hosted.instance)
    states = await inbox_states(hosted.instance)
    assert [(kind, state) for kind, state, _ in states[-3:]] == [("Lock", "failed"), ("Block", "failed"),
                                                                ("Delete", "failed")]
    assert all("facilitator" in error for _, _, error in states[-3:])
    with hosted.instance.db():
        thread = await Thread.get(uri=hosted.thread.uri)
        assert not thread.is_locked and thread.deleted_at is None and not await CircleBan.exists()
        assert not await ModerationLogEntry.exists()


async def test_a_lemmy_report_is_stored_for_the_facilitators(hosted, remote, http):
    # SPEC: PROTOCOL.md moderation (Lemmy community/report_page.json: Flag{to: [circle], object, summary})
    reporter = await joined(hosted, http, remote, "lemmy_user")
    flag = payload("lemmy_flag_1", **hosted.ids(remote, reporter, object=hosted.thread.uri))
    await deliver(http, reporter, hosted.inbox, flag)
    await settle(hosted.instance)
    with hosted.instance.db():
        report = await Report.get(activity_uri=flag["id"]).prefetch_related("reporter", "reported_actor", "circle")
    assert (report.circle.id, report.reporter.uri, report.object_uri) == (hosted.circle.id, reporter.uri,
                                                                          hosted.thread.uri)
    assert (report.reported_actor.uri, report.reason) == (hosted.facilitator.uri, "report this post")
    assert report.category is ReportCategory.OTHER  # Lemmy sends no category


async def test_a_mastodon_flag_from_its_instance_actor_is_accepted_about_its_own_users_post(hosted, remote, http):
    # SPEC: PROTOCOL.md moderation (Mastodon-style Flag from an Application: object list, reason in content);
    # issue 15: into a circle hosted here from a member or the reported author's own instance only
    author = await joined(hosted, http, remote, "lemmy_user")
    post_uri = await lemmy_thread(hosted, http, remote, author)
    instance_actor = remote.add_actor("actor", actor_type="Application")
    ids = hosted.ids(remote, instance_actor, person=author.uri, object=post_uri)
    flag = payload("mastodon_flag_1", **ids)
    await deliver(http, instance_actor, hosted.inbox, flag)
    await settle(hosted.instance)
    with hosted.instance.db():
        report = await Report.get(activity_uri=flag["id"]).prefetch_related("circle", "reported_actor")
    assert report.circle.id == hosted.circle.id and report.reason == "Please take a look at this"
    assert report.reported_actor.uri == author.uri and report.category is ReportCategory.OTHER


async def test_a_mastodon_flag_about_someone_of_another_instance_is_refused(hosted, remote, http):
    # SPEC: issue 15 reports (the instance actor is no member, and the reported facilitator is not its user)
    instance_actor = remote.add_actor("actor", actor_type="Application")
    ids = hosted.ids(remote, instance_actor, person=hosted.facilitator.uri, object=hosted.thread.uri)
    await deliver(http, instance_actor, hosted.inbox, payload("mastodon_flag_1", **ids))
    await settle(hosted.instance)
    kind, state, error = (await inbox_states(hosted.instance))[-1]
    assert (kind, state) == ("Flag", "failed") and "reported author's instance" in error
    with hosted.instance.db():
        assert not await Report.exists()
