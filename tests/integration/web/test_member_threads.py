"""Member pages: writing threads and replies, preview, edit, delete, likes, locks and held posts (reports:
test_reports.py)."""

from __future__ import annotations

import re

from circlefed.app import create_app
from circlefed.storage.models import (
    Actor,
    ContentRule,
    ContentRuleAction,
    Delivery,
    InstancePolicy,
    Membership,
    MembershipState,
    Post,
    ReviewState,
    Thread,
    Visibility,
)
from tests.conftest import settings_for
from tests.factories import approved_member, remote_circle, remote_instance, remote_person
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import circle, page, path_of, person, submit, thread


async def _start(client, title="Evenings", body="Hard *ones*.", cw=""):
    data = {"title": title, "body": body, "content_warning": cw, "action": "post"}
    return await submit(client, "/c/grief/new", data, page_with_form="/c/grief/new")


async def test_a_thread_with_a_content_warning_hides_its_body_behind_details(client, grief, member):
    await sign_in(client)
    response = await _start(client, cw="loss")
    assert response.status == 303
    thread_ = await Thread.get(title="Evenings")
    assert response.headers["Location"] == path_of(thread_.uri)
    text = await page(client, path_of(thread_.uri))
    assert text.count("<h1") == 1
    assert re.search(
        r"<details>\s*<summary>Content warning: loss</summary>\s*<div class=\"content\"><p>Hard <em>ones</em>.</p>",
        text,
    )
    assert "robin" in text and "Your thread is posted." in text


async def test_preview_shows_the_rendered_text_and_creates_nothing(client, grief):
    await sign_in(client)
    data = {"title": "Draft", "body": "Some **bold** words <script>x</script>", "action": "preview"}
    response = await submit(client, "/c/grief/new", data, page_with_form="/c/grief/new")
    text = await response.text()
    assert response.status == 200 and "<strong>bold</strong>" in text and "<script>x" not in text
    assert 'value="Draft"' in text  # the form keeps what was written
    assert await Thread.filter(circle_id=grief.id).count() == 0


async def test_a_form_without_a_title_is_refused_with_the_error_next_to_the_field(client, grief):
    await sign_in(client)
    response = await _start(client, title="")
    text = await response.text()
    assert response.status == 400 and 'aria-describedby="title-error"' in text and "Title is required." in text


async def test_reply_edit_and_delete_own_posts(client, grief, member):
    await sign_in(client)
    await _start(client)
    thread_ = await Thread.get(title="Evenings")
    sent = await submit(
        client,
        f"/threads/{thread_.id}/reply",
        {"body": "I hear you.", "action": "post"},
        page_with_form=path_of(thread_.uri),
    )
    assert sent.status == 303
    reply = await Post.get(thread_id=thread_.id)
    assert sent.headers["Location"] == f"{path_of(thread_.uri)}#post-{reply.id}"
    assert "I hear you." in await page(client, path_of(thread_.uri))
    edited = await submit(
        client,
        f"/posts/{reply.id}/edit",
        {"body": "I hear you, truly.", "action": "post"},
        page_with_form=f"/posts/{reply.id}/edit",
    )
    assert edited.status == 303
    text = await page(client, path_of(thread_.uri))
    assert "I hear you, truly." in text and "edited" in text
    deleted = await submit(client, f"/posts/{reply.id}/delete", {}, page_with_form=path_of(thread_.uri))
    assert deleted.status == 303
    text = await page(client, path_of(thread_.uri))
    assert "I hear you" not in text and "This reply was removed." in text
    thread_edit = await submit(
        client,
        f"/threads/{thread_.id}/edit",
        {"title": "Long evenings", "body": "Still hard.", "action": "post"},
        page_with_form=f"/threads/{thread_.id}/edit",
    )
    assert thread_edit.status == 303 and (await Thread.get(id=thread_.id)).title == "Long evenings"
    gone = await submit(client, f"/threads/{thread_.id}/delete", {}, page_with_form=path_of(thread_.uri))
    assert gone.status == 303 and (await Thread.get(id=thread_.id)).deleted_at is not None
    assert "This thread was removed" in await page(client, path_of(thread_.uri), status=410)


async def test_someone_elses_post_cannot_be_edited_or_deleted(client, grief, settings, clock):
    fran = await Actor.get(preferred_username="fran")
    theirs = await thread(settings, clock, grief, fran, "Fran's thread")
    await sign_in(client)
    text = await page(client, path_of(theirs.uri))
    assert f"/threads/{theirs.id}/edit" not in text
    assert (await client.get(f"/threads/{theirs.id}/edit", headers={"Accept": "text/html"})).status == 403
    refused = await submit(client, f"/threads/{theirs.id}/delete", {}, page_with_form=path_of(theirs.uri))
    assert refused.status == 403 and (await Thread.get(id=theirs.id)).deleted_at is None


async def test_like_toggles_the_count(client, grief, settings, clock):
    fran = await Actor.get(preferred_username="fran")
    theirs = await thread(settings, clock, grief, fran, "Fran's thread")
    await sign_in(client)
    path = path_of(theirs.uri)
    assert "0 likes" in await page(client, path)
    await submit(client, f"/threads/{theirs.id}/like", {}, page_with_form=path)
    text = await page(client, path)
    assert "1 like<" in text and "Unlike" in text
    await submit(client, f"/threads/{theirs.id}/like", {}, page_with_form=path)
    assert "0 likes" in await page(client, path)


async def test_a_locked_thread_refuses_replies(client, grief, settings, clock):
    fran = await Actor.get(preferred_username="fran")
    theirs = await thread(settings, clock, grief, fran, "Closed talk")
    theirs.is_locked = True
    await theirs.save()
    await sign_in(client)
    path = path_of(theirs.uri)
    text = await page(client, path)
    assert "This thread is locked" in text and f"/threads/{theirs.id}/reply" not in text
    response = await submit(
        client, f"/threads/{theirs.id}/reply", {"body": "Hello", "action": "post"}, page_with_form=path
    )
    assert response.status == 403 and "locked" in await response.text()
    assert await Post.filter(thread_id=theirs.id).count() == 0


async def test_a_non_member_sees_why_they_cannot_reply(client, settings, clock, member):
    fran = await person(settings, "fran")
    open_ = await circle(settings, "open", facilitator=fran)
    theirs = await thread(settings, clock, open_, fran, "Open talk")
    await sign_in(client)
    text = await page(client, path_of(theirs.uri))
    assert "Only members of this circle can reply" in text and 'name="body"' not in text


async def test_a_held_post_shows_crisis_resources_and_stays_hidden_from_other_members(client, grief, settings, clock):
    await InstancePolicy.create(crisis_resources="Call the helpline at 0800 111 222.")
    await ContentRule.create(pattern="hopeless", action=ContentRuleAction.HOLD)
    await sign_in(client)
    response = await _start(client, title="Feeling hopeless", body="Everything is hopeless tonight.")
    assert response.status == 303, "redirect after POST: reloading what follows never posts again"
    for _ in range(2):  # read, then reload
        text = await page(client, response.headers["Location"])
        assert "waiting for a facilitator" in text and "0800 111 222" in text
    assert await Thread.filter(title="Feeling hopeless").count() == 1
    held = await Thread.get(title="Feeling hopeless")
    assert held.review_state is ReviewState.HELD
    assert "waiting for a facilitator" in await page(client, path_of(held.uri))  # its author sees it
    other = await person(settings, "sam")
    await approved_member(grief, other)
    client.session.cookie_jar.clear()  # robin's session ends; sam signs in
    await sign_in(client, "sam")
    assert "Feeling hopeless" not in await page(client, "/c/grief")
    assert (await client.get(path_of(held.uri), headers={"Accept": "text/html"})).status == 404


async def test_a_rejected_post_keeps_the_text_and_says_why(client, grief):
    await ContentRule.create(pattern="buy now", action=ContentRuleAction.REJECT)
    await sign_in(client)
    response = await _start(client, title="Offer", body="Please buy now, friends")
    text = await response.text()
    assert response.status == 403 and "content rule" in text and "Please buy now, friends" in text
    assert await Thread.filter(circle_id=grief.id).count() == 0


async def test_a_reply_posted_in_the_ui_is_queued_for_a_remote_member(client, grief, settings, clock):
    await remote_instance("remote.example", shared_inbox_uri="https://remote.example/inbox")
    sam = await remote_person("sam", "remote.example", shared_inbox_uri="https://remote.example/inbox")
    await approved_member(grief, sam)
    fran = await Actor.get(preferred_username="fran")
    theirs = await thread(settings, clock, grief, fran, "Fran's thread")
    before = await Delivery.filter(domain="remote.example").count()
    await sign_in(client)
    response = await submit(
        client,
        f"/threads/{theirs.id}/reply",
        {"body": "Thinking of you.", "action": "post"},
        page_with_form=path_of(theirs.uri),
    )
    assert response.status == 303
    assert await Delivery.filter(domain="remote.example").count() > before


async def test_posting_too_fast_answers_429_with_the_form_and_the_typed_text(
    aiohttp_client, database_url, db, clock, member
):
    settings = settings_for(database_url, moderation={"account_post_burst": 1, "account_posts_per_minute": 1})
    fran = await person(settings, "fran")
    made = await circle(settings, "grief", facilitator=fran)
    await approved_member(made, await member.actor)
    client = await aiohttp_client(create_app(settings, clock=clock))
    await sign_in(client)
    assert (await _start(client, title="First")).status == 303
    throttled = await _start(client, title="Second", body="What I wrote *before* the limit.")
    page = await throttled.text()
    assert throttled.status == 429 and int(throttled.headers["Retry-After"]) > 0
    assert "send it again in a moment" in page, "the form comes back, saying why"
    assert 'value="Second"' in page and "What I wrote *before* the limit.</textarea>" in page, "nothing typed is lost"
    assert await Thread.filter(title="Second").count() == 0


async def test_a_remote_circle_joined_from_here_has_a_page_for_its_members_only(client, settings, clock, member):
    walkers = await remote_circle("walkers", "far.example", visibility=Visibility.MEMBERS)
    path = f"/circles/remote/{walkers.id}"
    assert (await client.get(path, headers={"Accept": "text/html"})).status == 404  # anonymous
    await sign_in(client)
    assert (await client.get(path, headers={"Accept": "text/html"})).status == 404  # not joined
    await Membership.create(circle=walkers, actor_id=member.actor_id, state=MembershipState.PENDING)
    text = await page(client, path)
    assert "Walkers" in text and "@walkers@far.example" in text and "waiting for a facilitator" in text
    assert "far.example" in await page(client, "/circles")


async def test_facilitator_controls_appear_for_facilitators_only(client, grief, settings, clock, member):
    fran = await Actor.get(preferred_username="fran")
    theirs = await thread(settings, clock, grief, fran, "Fran's thread")
    await sign_in(client)
    assert "Facilitator actions" not in await page(client, path_of(theirs.uri))
    client.session.cookie_jar.clear()
    await sign_in(client, "fran")
    assert "Facilitator actions" in await page(client, path_of(theirs.uri))
