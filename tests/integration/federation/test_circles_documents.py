"""Threads, replies, activities and a circle's collections at their ids: AS2 for servers, HTML for browsers."""

import json
from datetime import UTC, datetime

import pytest

from circlefed.domain import replies, threads
from circlefed.domain.memberships import request_join
from circlefed.protocol.vocab import undefined_terms
from circlefed.storage.models import OutboxActivity, Thread, Visibility
from circlefed.web.keys import SITE

from .circles import act, circle, member, start_quiet

pytestmark = pytest.mark.storage

AS2 = {"Accept": "application/activity+json"}
HTML = {"Accept": "text/html,application/xhtml+xml"}
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
async def site(start_instance):
    """One instance: `grief` (public, facilitated by fran) with a thread and a reply; `quiet` (members only)."""
    a = await start_quiet(start_instance)
    fran, bea = await member(a, "fran"), await member(a, "bea")
    grief = await circle(a, "grief", fran)
    with a.db():
        await request_join(grief, bea, now=now())
    started = await act(
        a,
        threads.start_thread(
            a.app[SITE], grief, fran, title="Evenings", source="Hard *ones*.", content_warning="loss", now=now()
        ),
    )
    posted = await act(a, replies.reply(a.app[SITE], started.thread, bea, source="Same.", now=now()))
    quiet = await circle(a, "quiet", fran, visibility=Visibility.MEMBERS)
    hidden = await act(a, threads.start_thread(a.app[SITE], quiet, fran, title="Private", source="x", now=now()))

    class Site:
        instance, group_uri = a, f"{a.base_url}/c/grief"
        thread, post, hidden_thread = started.thread, posted.post, hidden.thread

    Site.fran, Site.bea, Site.circle = fran, bea, grief
    return Site


async def get_json(http, url: str, status: int = 200) -> dict:
    async with http.get(url, headers=AS2) as response:
        assert response.status == status, await response.text()
        assert response.headers["Content-Type"].startswith("application/activity+json")
        return await response.json(content_type=None)


async def test_a_thread_is_a_page_addressed_to_its_circle(site, http):
    # SPEC: PROTOCOL.md content (Page: name, content, source, attributedTo, to [circle, Public], cc [], audience,
    # context, published; a Mention of the circle; the warning in summary and as a [CW: …] prefix)
    page = await get_json(http, site.thread.uri)
    assert page["type"] == "Page" and page["id"] == site.thread.uri
    assert page["attributedTo"] == site.fran.uri
    assert page["to"] == [site.group_uri, PUBLIC] and page["cc"] == []
    assert page["audience"] == site.group_uri and page["context"] == f"{site.thread.uri}/context"
    assert page["name"] == "[CW: loss] Evenings" and page["summary"] == "loss" and "sensitive" not in page
    assert page["content"] == "<p>Hard <em>ones</em>.</p>" and page["mediaType"] == "text/html"
    assert page["source"] == {"content": "Hard *ones*.", "mediaType": "text/markdown"}
    assert page["published"].endswith("Z") and "inReplyTo" not in page
    assert {"type": "Mention", "href": site.group_uri, "name": f"@grief@{site.instance.domain}"} in page["tag"]
    assert undefined_terms(page) == set()


async def test_a_reply_is_a_note_in_reply_to_its_thread(site, http):
    note = await get_json(http, site.post.uri)
    assert note["type"] == "Note" and note["inReplyTo"] == site.thread.uri
    assert note["attributedTo"] == site.bea.uri and note["context"] == f"{site.thread.uri}/context"
    assert note["to"] == [site.group_uri, PUBLIC] and note["audience"] == site.group_uri and "name" not in note


async def test_browsers_get_a_page_with_the_warning_and_the_escaped_text(site, http):
    async with http.get(site.thread.uri, headers=HTML) as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/html")
        body = await response.text()
    assert "Evenings" in body and "Content warning: loss" in body and "<em>ones</em>" in body
    assert "Accept" in response.headers["Vary"]


async def test_a_deleted_thread_is_a_tombstone_with_410(site, http):
    # SPEC: PROTOCOL.md deletion (Delete with Tombstone)
    await act(site.instance, threads.delete_thread(site.thread, site.fran, now=now()))
    tombstone = await get_json(http, site.thread.uri, status=410)
    assert tombstone["type"] == "Tombstone" and tombstone["formerType"] == "Page" and "deleted" in tombstone
    assert "Evenings" not in str(tombstone)


async def test_activities_are_dereferenceable_but_follows_and_votes_are_not(site, http):
    with site.instance.db():
        create = await OutboxActivity.get(type="Create", object_uri=site.thread.uri)
    assert await get_json(http, create.uri) == create.payload
    with site.instance.db():
        hidden = await OutboxActivity.create(
            uri=f"{site.instance.base_url}/a/accept1",
            type="Accept",
            actor_id=site.circle.actor_id,
            circle=site.circle,
            payload={},
        )
    async with http.get(hidden.uri, headers=AS2) as response:
        assert response.status == 404


async def test_the_outbox_lists_announces_of_live_posts_newest_first(site, http):
    # SPEC: fep-1b12 outbox (OrderedCollection, totalItems, inline Announces)
    outbox = await get_json(http, f"{site.group_uri}/outbox")
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 2
    items = outbox["orderedItems"]
    assert [item["type"] for item in items] == ["Announce", "Announce"]
    assert [item["object"]["object"]["id"] for item in items] == [site.post.uri, site.thread.uri]
    assert all(item["actor"] == site.group_uri for item in items)
    await act(site.instance, replies.delete_reply(site.post, site.bea, now=now()))
    outbox = await get_json(http, f"{site.group_uri}/outbox")
    assert outbox["totalItems"] == 1 and "Same." not in str(outbox)


async def test_followers_say_how_many_never_who(site, http):
    # SPEC: PROTOCOL.md attack 17 (no member list through the followers collection)
    followers = await get_json(http, f"{site.group_uri}/followers")
    assert followers["totalItems"] == 2 and followers.get("items", []) == []
    assert site.bea.uri not in str(followers) and site.fran.uri not in str(followers)


async def test_moderators_are_the_facilitators(site, http):
    # SPEC: fep-1b12 moderation (attributedTo collection)
    moderators = await get_json(http, f"{site.group_uri}/moderators")
    assert moderators["orderedItems"] == [site.fran.uri] and moderators["totalItems"] == 1


async def test_featured_embeds_pinned_threads(site, http):
    assert (await get_json(http, f"{site.group_uri}/featured"))["orderedItems"] == []
    with site.instance.db():
        await Thread.filter(id=site.thread.id).update(is_pinned=True)
    featured = await get_json(http, f"{site.group_uri}/featured")
    assert [page["id"] for page in featured["orderedItems"]] == [site.thread.uri]
    assert featured["orderedItems"][0]["type"] == "Page"


async def test_a_threads_context_and_replies_collections(site, http):
    # SPEC: FEP-7888 context collection; FEP-f228 backfilling (the thread then its replies)
    context = await get_json(http, f"{site.thread.uri}/context")
    assert context["orderedItems"] == [site.thread.uri, site.post.uri]
    assert context["attributedTo"] == site.group_uri
    replies_collection = await get_json(http, f"{site.thread.uri}/replies")
    assert replies_collection["orderedItems"] == [site.post.uri]


async def test_a_members_circle_answers_like_a_missing_object(site, http):
    # SPEC: PROTOCOL.md attack 15 and 21 (hidden content: the same 404 as nothing, no-store)
    answers = []
    for url in (
        site.hidden_thread.uri,
        f"{site.instance.base_url}/t/doesnotexist",
        f"{site.instance.base_url}/c/quiet/outbox",
        f"{site.instance.base_url}/c/nothing/outbox",
    ):
        async with http.get(url, headers=AS2) as response:
            body = await response.json(content_type=None)
            body.pop("request_id", None)
            answers.append((response.status, response.headers.get("Cache-Control"), json.dumps(body)))
    assert len(set(answers)) == 1 and answers[0][:2] == (404, "no-store")


async def test_after_an_edit_only_the_current_text_is_served(site, http):
    # An edit may remove something the author regrets: the outbox and the old Create stop showing it.
    with site.instance.db():
        create = await OutboxActivity.get(type="Create", object_uri=site.thread.uri)
    edit = threads.edit_thread(site.instance.app[SITE], site.thread, site.fran, title="Evenings", source="Rewritten.",
                               content_warning=None, now=now())
    await act(site.instance, edit)
    outbox = await get_json(http, f"{site.group_uri}/outbox")
    assert "Hard" not in str(outbox) and "Rewritten." in str(outbox)
    assert [item["object"]["type"] for item in outbox["orderedItems"]] == ["Update", "Create"]
    async with http.get(create.uri, headers=AS2) as response:
        assert response.status == 404
