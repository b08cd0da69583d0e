"""Threads and replies: who may post, edit and delete, what is stored, and how remote objects are stored once."""

from datetime import timedelta

import pytest

from circlefed.domain.circles import create_circle
from circlefed.domain.events import (
    ReplyDeleted,
    ReplyEdited,
    ReplyPosted,
    ThreadDeleted,
    ThreadEdited,
    ThreadStarted,
)
from circlefed.domain.memberships import request_join
from circlefed.domain.replies import delete_reply, edit_reply, reply, store_remote_reply
from circlefed.domain.threads import delete_thread, edit_thread, start_thread, store_remote_thread
from circlefed.errors import BadRequest, Conflict, Forbidden, NotFound
from circlefed.storage.models import Actor, Circle, Post, Thread
from tests.factories import SITE, approved_member, local_person, remote_person, started_thread

from .circle_support import fast_accounts, grief_circle, remote_circle_with

pytestmark = pytest.mark.storage

__all__ = ["fast_accounts"]  # the autouse fixture


@pytest.fixture
async def grief(db):
    """A public circle with its facilitator `host`, a member `robin` and a remote member `kim`."""
    return await grief_circle()


async def a_thread(circle: Circle, author: Actor, clock, **fields) -> Thread:
    fields = {"title": "Missing my dad", "source": "It has been a year.", **fields}
    return await started_thread(SITE, circle, author, now=clock.now(), **fields)


# --- starting threads ---


async def test_a_member_starts_a_thread_rendered_from_markdown(grief, clock):
    # SPEC: DESIGN.md flow 2 (start_thread checks permission, renders Markdown to sanitised HTML, returns ThreadStarted)
    circle, _, robin, _ = grief
    event = await start_thread(
        SITE, circle, robin, title="  Missing my dad ", source="It has been **a year**.", now=clock.now()
    )
    assert isinstance(event, ThreadStarted) and (event.circle, event.actor) == (circle, robin) and event.is_local
    thread = await Thread.get(id=event.thread.id)
    assert thread.uri.startswith("http://127.0.0.1:8080/t/") and thread.title == "Missing my dad"
    assert thread.content_html == "<p>It has been <strong>a year</strong>.</p>"
    assert thread.source == "It has been **a year**." and thread.content_warning is None
    assert thread.published_at == thread.last_activity_at == clock.now()
    assert (thread.circle_id, thread.author_id, thread.edited_at, thread.deleted_at) == (
        circle.id,
        robin.id,
        None,
        None,
    )


async def test_the_content_warning_is_stored_apart_from_the_title(grief, clock):
    # SPEC: PROTOCOL.md trigger warnings (warning in `summary` and as a title prefix, added when rendering)
    circle, _, robin, _ = grief
    thread = await a_thread(circle, robin, clock, content_warning="  loss   of a parent ")
    assert (thread.title, thread.content_warning) == ("Missing my dad", "loss of a parent")


async def test_raw_html_in_a_post_is_shown_as_text(grief, clock):
    circle, _, robin, _ = grief
    thread = await a_thread(circle, robin, clock, source="<script>alert(1)</script>")
    assert thread.content_html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


@pytest.mark.parametrize(
    ("title", "source", "message"),
    [("   ", "body", "title of 1-255"), ("x" * 256, "body", "title of 1-255"), ("Title", " \n", "empty")],
)
async def test_titles_of_1_to_255_characters_and_a_body_are_required(grief, clock, title, source, message):
    circle, _, robin, _ = grief
    with pytest.raises(BadRequest, match=message):
        await start_thread(SITE, circle, robin, title=title, source=source, now=clock.now())
    assert (await a_thread(circle, robin, clock, title="x" * 255)).title == "x" * 255


async def test_non_members_and_pending_members_cannot_start_threads(grief, clock):
    circle, *_ = grief
    outsider = await local_person(SITE, "outsider")
    with pytest.raises(Forbidden, match="only approved members"):
        await a_thread(circle, outsider, clock)
    circle.requires_approval = True
    await request_join(circle, outsider, now=clock.now())
    with pytest.raises(Forbidden, match="only approved members"):
        await a_thread(circle, outsider, clock)
    assert await Thread.all().count() == 0


async def test_when_posting_is_restricted_to_mods_only_facilitators_start_threads(grief, clock):
    # SPEC: PROTOCOL.md actors (postingRestrictedToMods)
    circle, host, robin, _ = grief
    circle.posting_restricted_to_mods = True
    with pytest.raises(Forbidden, match="only facilitators"):
        await a_thread(circle, robin, clock)
    assert (await a_thread(circle, host, clock)).author_id == host.id
    admin = await approved_member(circle, await local_person(SITE, "admin_ash", is_admin=True))
    assert (await a_thread(circle, admin, clock)).author_id == admin.id


# --- editing and deleting threads ---


async def test_the_author_edits_a_thread(grief, clock):
    circle, _, robin, _ = grief
    thread = await a_thread(circle, robin, clock)
    clock.advance(timedelta(minutes=5))
    event = await edit_thread(
        SITE, thread, robin, title="Dad", source="*Still* hard", content_warning="grief", now=clock.now()
    )
    assert isinstance(event, ThreadEdited) and event.circle == circle
    stored = await Thread.get(id=thread.id)
    assert (stored.title, stored.source, stored.content_warning) == ("Dad", "*Still* hard", "grief")
    assert stored.content_html == "<p><em>Still</em> hard</p>" and stored.edited_at == clock.now()


async def test_only_the_author_edits_a_thread(grief, clock):
    circle, host, robin, _ = grief
    thread = await a_thread(circle, robin, clock)
    with pytest.raises(Forbidden, match="only the author"):
        await edit_thread(SITE, thread, host, title="Mine now", source="x", content_warning=None, now=clock.now())


@pytest.mark.parametrize("who", ["author", "facilitator", "admin"])
async def test_author_facilitator_or_admin_deletes_a_thread_leaving_a_tombstone(grief, clock, who):
    # SPEC: PROTOCOL.md deletion (only the author, a facilitator of the circle, or an admin may delete)
    circle, host, robin, _ = grief
    thread = await a_thread(circle, robin, clock, content_warning="grief")
    by = {"author": robin, "facilitator": host}.get(who) or await local_person(SITE, "root_admin", is_admin=True)
    clock.advance(60)
    event = await delete_thread(thread, by, now=clock.now())
    assert isinstance(event, ThreadDeleted) and event.object_uri == thread.uri and event.actor == by
    assert event.is_removal is (who != "author")
    stored = await Thread.get(id=thread.id)
    assert stored.deleted_at == clock.now()
    assert (stored.title, stored.content_html, stored.source, stored.content_warning) == ("", "", "", None)


async def test_other_members_and_remote_strangers_cannot_delete_a_thread(grief, clock):
    # SPEC: PROTOCOL.md attack 16 (Delete by someone other than author or moderator)
    circle, _, robin, kim = grief
    thread = await a_thread(circle, robin, clock)
    for by in (kim, await local_person(SITE, "sam"), await remote_person("ash", "lemmy.example")):
        with pytest.raises(Forbidden, match="only the author, a facilitator"):
            await delete_thread(thread, by, now=clock.now())
    assert (await Thread.get(id=thread.id)).deleted_at is None


async def test_an_admin_of_the_authors_instance_deletes_in_a_remote_circle(db, clock):
    # SPEC: PROTOCOL.md deletion (an admin of the author's or circle's instance may delete)
    robin = await local_person(SITE, "robin")
    circle = await remote_circle_with(robin)
    thread = await a_thread(circle, robin, clock)
    with pytest.raises(Forbidden):
        await delete_thread(thread, await local_person(SITE, "sam"), now=clock.now())
    await delete_thread(thread, await local_person(SITE, "root_admin", is_admin=True), now=clock.now())


async def test_a_deleted_thread_cannot_be_deleted_or_edited_again(grief, clock):
    circle, _, robin, _ = grief
    thread = await a_thread(circle, robin, clock)
    await delete_thread(thread, robin, now=clock.now())
    with pytest.raises(NotFound, match="deleted"):
        await delete_thread(thread, robin, now=clock.now())
    with pytest.raises(NotFound, match="deleted"):
        await edit_thread(SITE, thread, robin, title="t", source="s", content_warning=None, now=clock.now())


# --- replies ---


async def test_a_member_replies_and_the_thread_moves_up(grief, clock):
    circle, host, robin, _ = grief
    thread = await a_thread(circle, robin, clock)
    clock.advance(timedelta(hours=1))
    event = await reply(SITE, thread, host, source="I hear you.", content_warning="loss", now=clock.now())
    assert isinstance(event, ReplyPosted) and (event.circle, event.thread, event.actor) == (circle, thread, host)
    post = await Post.get(id=event.post.id)
    assert post.uri.startswith("http://127.0.0.1:8080/p/") and post.in_reply_to_uri == thread.uri
    assert (post.content_html, post.content_warning, post.published_at) == ("<p>I hear you.</p>", "loss", clock.now())
    assert (await Thread.get(id=thread.id)).last_activity_at == clock.now() == thread.last_activity_at


async def test_a_reply_may_answer_a_reply_in_the_same_thread_only(grief, clock):
    circle, host, robin, _ = grief
    thread = await a_thread(circle, robin, clock)
    first = (await reply(SITE, thread, host, source="first", now=clock.now())).post
    nested = (await reply(SITE, thread, robin, source="nested", in_reply_to_uri=first.uri, now=clock.now())).post
    assert nested.in_reply_to_uri == first.uri
    other = await a_thread(circle, host, clock, title="Other")
    for parent in (other.uri, "https://elsewhere.example/p/1"):
        with pytest.raises(BadRequest, match="answers its thread or a reply in that thread"):
            await reply(SITE, thread, robin, source="x", in_reply_to_uri=parent, now=clock.now())


async def test_replies_need_membership_an_open_thread_and_a_body(grief, clock):
    circle, host, robin, _ = grief
    thread = await a_thread(circle, robin, clock)
    with pytest.raises(Forbidden, match="only approved members"):
        await reply(SITE, thread, await local_person(SITE, "outsider"), source="hi", now=clock.now())
    with pytest.raises(BadRequest, match="empty"):
        await reply(SITE, thread, host, source="  ", now=clock.now())
    thread.is_locked = True
    with pytest.raises(Forbidden, match="locked"):
        await reply(SITE, thread, host, source="hi", now=clock.now())
    thread.is_locked = False
    await delete_thread(thread, robin, now=clock.now())
    with pytest.raises(NotFound, match="deleted"):
        await reply(SITE, thread, host, source="hi", now=clock.now())


async def test_members_reply_even_when_only_facilitators_start_threads(grief, clock):
    # SPEC: research/federation.md Lemmy (posting_restricted_to_mods restricts posts, not comments)
    circle, host, robin, _ = grief
    circle.posting_restricted_to_mods = True
    await circle.save(update_fields=["posting_restricted_to_mods"])
    thread = await a_thread(circle, host, clock)
    assert (await reply(SITE, thread, robin, source="thanks", now=clock.now())).post.author_id == robin.id


async def test_the_author_edits_a_reply_and_others_cannot(grief, clock):
    circle, host, robin, _ = grief
    thread = await a_thread(circle, robin, clock)
    post = (await reply(SITE, thread, host, source="first", now=clock.now())).post
    with pytest.raises(Forbidden, match="only the author"):
        await edit_reply(SITE, post, robin, source="changed", content_warning=None, now=clock.now())
    clock.advance(30)
    event = await edit_reply(SITE, post, host, source="`better`", content_warning="cw", now=clock.now())
    assert isinstance(event, ReplyEdited) and (event.circle, event.thread) == (circle, thread)
    stored = await Post.get(id=post.id)
    assert (stored.content_html, stored.content_warning, stored.edited_at) == (
        "<p><code>better</code></p>",
        "cw",
        clock.now(),
    )


async def test_replies_are_deleted_by_the_same_people_as_threads(grief, clock):
    # SPEC: PROTOCOL.md deletion
    circle, host, robin, kim = grief
    thread = await a_thread(circle, host, clock)
    post = (await reply(SITE, thread, robin, source="mine", now=clock.now())).post
    with pytest.raises(Forbidden):
        await delete_reply(post, kim, now=clock.now())
    event = await delete_reply(post, host, now=clock.now())
    assert isinstance(event, ReplyDeleted) and event.is_removal and event.object_uri == post.uri
    stored = await Post.get(id=post.id)
    assert (stored.deleted_at, stored.content_html, stored.source) == (clock.now(), "", "")
    with pytest.raises(NotFound, match="deleted"):
        await delete_reply(post, robin, now=clock.now())
    with pytest.raises(BadRequest, match="answers its thread"):
        await reply(SITE, thread, robin, source="to a deleted reply", in_reply_to_uri=post.uri, now=clock.now())


# --- remote threads ---

PAGE_URI = "https://social.example/objects/page-1"


async def store_page(circle, author, clock, **fields):
    fields = {"uri": PAGE_URI, "title": "Remote title", "content_html": "<p>Hello</p>", **fields}
    return await store_remote_thread(circle, author, now=clock.now(), **fields)


async def test_a_remote_page_is_stored_with_sanitised_html(grief, clock):
    # SPEC: PROTOCOL.md attack 19 (remote HTML sanitised with nh3 on ingest)
    circle, _, _, kim = grief
    published = clock.now() - timedelta(minutes=3)
    event = await store_page(
        circle,
        kim,
        clock,
        content_html='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">l</a></p>',
        source="Hi",
        published_at=published,
    )
    assert isinstance(event, ThreadStarted) and not event.is_local
    thread = await Thread.get(uri=PAGE_URI)
    assert thread.content_html == '<p>Hi <a rel="nofollow noopener ugc">l</a></p>'
    assert (thread.title, thread.source, thread.author_id) == ("Remote title", "Hi", kim.id)
    assert thread.published_at == thread.last_activity_at == published


async def test_a_remote_cw_comes_from_summary_or_from_the_title_prefix(grief, clock):
    # SPEC: PROTOCOL.md trigger warnings (parse the [CW: …] prefix back from Pages that only carry it)
    circle, _, _, kim = grief
    await store_page(circle, kim, clock, title="[CW: grief] After the funeral")
    thread = await Thread.get(uri=PAGE_URI)
    assert (thread.title, thread.content_warning) == ("After the funeral", "grief")
    await store_page(circle, kim, clock, uri=f"{PAGE_URI}-2", title="[CW: grief] T", content_warning="<p>loss</p>")
    assert (await Thread.get(uri=f"{PAGE_URI}-2")).content_warning == "loss"


async def test_a_mastodon_note_starting_a_thread_takes_its_first_line_as_title(grief, clock):
    # SPEC: issue 5 (a public Create(Note) that mentions the circle starts a thread, title from the first line)
    circle, _, _, kim = grief
    html = (
        '<p><span class="h-card"><a href="http://127.0.0.1:8080/c/grief" class="u-url mention">@<span>grief</span>'
        "</a></span> Tea and talk tonight?<br>Anyone free?</p>"
    )
    await store_page(circle, kim, clock, title=None, content_html=html)
    assert (await Thread.get(uri=PAGE_URI)).title == "Tea and talk tonight?"


async def test_storing_the_same_remote_thread_twice_keeps_one_row(grief, clock):
    # SPEC: DESIGN.md flow 1 (duplicates are no-ops)
    circle, _, _, kim = grief
    await store_page(circle, kim, clock)
    assert await store_page(circle, kim, clock) is None
    assert await Thread.filter(uri=PAGE_URI).count() == 1


async def test_a_changed_remote_thread_is_an_edit(grief, clock):
    # SPEC: issue 5 content both ways (edited with Update)
    circle, _, _, kim = grief
    await store_page(circle, kim, clock)
    clock.advance(60)
    event = await store_page(
        circle, kim, clock, title="New title", content_html="<p>Edited</p>", updated_at=clock.now()
    )
    assert isinstance(event, ThreadEdited)
    thread = await Thread.get(uri=PAGE_URI)
    assert (thread.title, thread.content_html, thread.edited_at) == ("New title", "<p>Edited</p>", clock.now())
    older = clock.now() - timedelta(seconds=30)
    assert await store_page(circle, kim, clock, title="Stale", updated_at=older) is None
    assert (await Thread.get(uri=PAGE_URI)).title == "New title"


async def test_nobody_else_can_overwrite_a_remote_thread(grief, clock):
    # SPEC: PROTOCOL.md attack 1 and 16 (origin spoofing; Update by someone other than the author)
    circle, _, robin, kim = grief
    await store_page(circle, kim, clock)
    impostor = await approved_member(circle, await remote_person("eve"))
    with pytest.raises(Forbidden, match="only its author"):
        await store_page(circle, impostor, clock, title="Hijacked")
    with pytest.raises(BadRequest, match="same origin"):
        await store_page(circle, kim, clock, uri="https://elsewhere.example/objects/1")
    with pytest.raises(BadRequest, match="local actor"):
        await store_page(circle, robin, clock, uri="http://127.0.0.1:8080/t/forged")
    other = await create_circle(SITE, "hope", "Hope")
    await approved_member(other, kim)
    with pytest.raises(Conflict, match="another circle"):
        await store_page(other, kim, clock, title="Moved")


async def test_a_deleted_remote_thread_is_not_brought_back(grief, clock):
    circle, _, _, kim = grief
    event = await store_page(circle, kim, clock)
    await delete_thread(event.thread, kim, now=clock.now())
    assert await store_page(circle, kim, clock, title="Back", updated_at=clock.now() + timedelta(hours=1)) is None
    assert (await Thread.get(uri=PAGE_URI)).deleted_at is not None


async def test_our_circle_applies_its_rules_to_remote_threads_a_remote_circle_does_not(grief, clock):
    circle, *_ = grief
    stranger = await remote_person("ash", "lemmy.example")
    with pytest.raises(Forbidden, match="only approved members"):
        await store_page(circle, stranger, clock, uri="https://lemmy.example/post/1")
    remote = await remote_circle_with(await local_person(SITE, "robin2"))
    event = await store_page(remote, stranger, clock, uri="https://lemmy.example/post/1")
    assert isinstance(event, ThreadStarted) and event.circle == remote


async def test_a_future_published_date_is_clamped_to_now(grief, clock):
    circle, _, _, kim = grief
    await store_page(circle, kim, clock, published_at=clock.now() + timedelta(days=3))
    thread = await Thread.get(uri=PAGE_URI)
    assert thread.published_at == thread.last_activity_at == clock.now()


# --- remote replies ---

NOTE_URI = "https://social.example/objects/note-1"


async def store_note(thread, author, clock, **fields):
    fields = {"uri": NOTE_URI, "content_html": "<p>Me too</p>", "in_reply_to_uri": thread.uri, **fields}
    return await store_remote_reply(thread, author, now=clock.now(), **fields)


async def test_a_remote_reply_is_stored_once_and_bumps_the_thread(grief, clock):
    circle, _, robin, kim = grief
    thread = await a_thread(circle, robin, clock)
    clock.advance(timedelta(hours=2))
    event = await store_note(
        thread, kim, clock, content_html="<p>Me <iframe src=x></iframe>too</p>", content_warning="loss"
    )
    assert isinstance(event, ReplyPosted) and not event.is_local and event.circle == circle
    post = await Post.get(uri=NOTE_URI)
    assert (post.content_html, post.content_warning, post.in_reply_to_uri) == ("<p>Me too</p>", "loss", thread.uri)
    assert (await Thread.get(id=thread.id)).last_activity_at == clock.now()
    assert await store_note(thread, kim, clock, content_html="<p>Me too</p>", content_warning="loss") is None
    assert await Post.filter(uri=NOTE_URI).count() == 1


async def test_an_old_remote_reply_does_not_move_the_thread_back(grief, clock):
    circle, _, robin, kim = grief
    thread = await a_thread(circle, robin, clock)
    await store_note(thread, kim, clock, published_at=clock.now() - timedelta(days=1))
    assert (await Thread.get(id=thread.id)).last_activity_at == clock.now()


async def test_a_changed_remote_reply_is_an_edit_and_only_its_author_may_change_it(grief, clock):
    circle, _, robin, kim = grief
    thread = await a_thread(circle, robin, clock)
    await store_note(thread, kim, clock)
    clock.advance(10)
    event = await store_note(thread, kim, clock, content_html="<p>Edited</p>", updated_at=clock.now())
    assert isinstance(event, ReplyEdited) and (await Post.get(uri=NOTE_URI)).content_html == "<p>Edited</p>"
    impostor = await approved_member(circle, await remote_person("eve"))
    with pytest.raises(Forbidden, match="only its author"):
        await store_note(thread, impostor, clock, content_html="<p>Hijacked</p>")
    other = await a_thread(circle, robin, clock, title="Other")
    with pytest.raises(Conflict, match="another thread"):
        await store_note(other, kim, clock)


async def test_remote_replies_need_membership_and_an_open_thread_here(grief, clock):
    circle, _, robin, kim = grief
    thread = await a_thread(circle, robin, clock)
    with pytest.raises(Forbidden, match="only approved members"):
        await store_note(thread, await remote_person("ash", "lemmy.example"), clock, uri="https://lemmy.example/c/1")
    thread.is_locked = True
    with pytest.raises(Forbidden, match="locked"):
        await store_note(thread, kim, clock)
    assert await Post.all().count() == 0


async def test_a_remote_circles_replies_follow_its_rules_but_never_land_under_a_tombstone(db, clock):
    robin = await local_person(SITE, "robin")
    circle = await remote_circle_with(robin)
    thread = await a_thread(circle, robin, clock)
    stranger = await remote_person("ash", "lemmy.example")
    event = await store_note(thread, stranger, clock, uri="https://lemmy.example/comment/1")
    assert isinstance(event, ReplyPosted) and event.circle == circle
    await delete_thread(thread, robin, now=clock.now())
    with pytest.raises(NotFound, match="deleted"):
        await store_note(thread, stranger, clock, uri="https://lemmy.example/comment/2")
