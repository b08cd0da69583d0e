"""ActivityPub client to server: an app holding a member's token posts activities to the member's outbox (a post
in a circle, its edit and deletion, joining and leaving a circle, a like, a report) and reads the member's outbox
and inbox. Each goes through the same services and rules as the web pages: the safety net holds an edit as the
edit page does, a post the member may not read answers as a missing one, and the token speaks for its member only."""

from __future__ import annotations

import json

import pytest

from circlefed.storage.models import (
    Actor,
    ContentRule,
    ContentRuleAction,
    InstancePolicy,
    Membership,
    MembershipState,
    OutboxActivity,
    Post,
    Reaction,
    Report,
    ReportState,
    ReviewState,
    Thread,
    Visibility,
)
from tests.factories import approved_member, remote_circle
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import circle, page, path_of, person, thread
from tests.integration.web.oauth_flow import bearer, register, token_for

pytestmark = pytest.mark.storage
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
OUTBOX = "/u/robin/outbox"
BASE = "http://127.0.0.1:8080"  # the test settings' instance
ROBIN = f"{BASE}/u/robin"
CRISIS = "I am going to kill myself tonight."


async def token_of(client, name: str, scope: str = "read write") -> dict[str, str]:
    app = await register(client, scopes="read write")
    client.session.cookie_jar.clear()
    await sign_in(client, name)
    token = await token_for(client, app, scope=scope)
    client.session.cookie_jar.clear()
    return bearer(token)


async def post(client, headers, document, path: str = OUTBOX, content_type: str = LD_JSON):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    response = await client.post(path, data=body, headers={**headers, "Content-Type": content_type})
    return response.status, await response.json(), response.headers.get("Location")


async def get_json(client, path: str, headers) -> tuple[int, dict]:
    response = await client.get(path, headers=headers)
    return response.status, await response.json()


def group(slug: str) -> str:
    return f"{BASE}/c/{slug}"


def note(text: str, slug: str = "grief", **fields) -> dict:
    return {"type": "Note", "to": [group(slug)], "content": text, **fields}


def create(obj: dict, **fields) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create", "actor": ROBIN, "object": obj,
            **fields}


async def test_a_note_posted_to_the_outbox_is_a_thread_on_the_circle_page(client, grief):
    robin = await token_of(client, "robin")
    sent = create(note("<p>Could not <em>sleep</em> &lt;again&gt;.</p>", name="Rough night", summary="sleep",
                       id="https://elsewhere.example/mine"), id="https://elsewhere.example/create")
    status, body, location = await post(client, robin, sent)
    assert status == 201, body
    thread = await Thread.get(title="Rough night")
    assert (thread.source, thread.content_warning) == ("Could not *sleep* \\<again\\>.", "sleep")
    assert "<em>sleep</em> &lt;again&gt;." in thread.content_html
    # SPEC: ActivityPub 6: the server assigns the ids, and Location names the new Create.
    activity = await OutboxActivity.get(type="Create", object_uri=thread.uri)
    assert location == body["id"] == activity.uri and body["object"]["id"] == thread.uri
    assert "elsewhere.example" not in json.dumps(body)
    assert "Rough night" in await page(client, "/c/grief")
    served = await client.get(path_of(location), headers={"Accept": "application/activity+json"})
    assert served.status == 200 and (await served.json())["object"]["id"] == thread.uri

    # A bare Note is wrapped in a Create (6.2.1); Markdown in `source` is taken as written; inReplyTo replies.
    bare = {"type": "Note", "inReplyTo": thread.uri, "content": "<p>ignored</p>",
            "source": {"content": "Still **awake**.", "mediaType": "text/markdown"}}
    status, body, location = await post(client, robin, bare, content_type="application/activity+json")
    assert status == 201, body
    reply = await Post.get(thread_id=thread.id)
    assert reply.source == "Still **awake**." and location == body["id"] and body["object"]["id"] == reply.uri


async def test_an_update_shows_on_the_page_and_crisis_words_are_held_as_a_web_edit_is(client, grief):
    await InstancePolicy.create(crisis_resources="Call the helpline at 0800 111 222.")
    robin = await token_of(client, "robin")
    _, created, _ = await post(client, robin, create(note("<p>Quiet today.</p>", name="Evenings")))
    uri = created["object"]["id"]
    markdown = {"content": "Better now.", "mediaType": "text/markdown"}
    change = {"type": "Update", "actor": ROBIN, "object": {"id": uri, "name": "Long evenings", "source": markdown}}
    status, body, location = await post(client, robin, change)
    assert status == 201, body
    assert location == (await OutboxActivity.get(type="Update", object_uri=uri)).uri
    shown = await page(client, path_of(uri))
    assert "Long evenings" in shown and "Better now." in shown
    # Only `content` changes: the title stays (client to server updates are partial: 6.3.1).
    status, body, location = await post(client, robin, {"type": "Update", "object": {"id": uri, "content": CRISIS}})
    assert status == 201 and location is None, body
    assert "Your edit is waiting for a facilitator" in body["circlefedHold"] and "0800 111 222" in body["circlefedHold"]
    stored = await Thread.get(uri=uri)
    assert (stored.title, stored.source, stored.review_state) == ("Long evenings", "Better now.", ReviewState.VISIBLE)
    assert await OutboxActivity.filter(type="Update", object_uri=uri).count() == 1, "a held edit is not sent"
    assert "kill myself" not in await page(client, "/c/grief")


async def test_a_post_the_safety_net_holds_waits_for_a_facilitator_as_a_web_post_does(client, grief):
    await InstancePolicy.create(crisis_resources="Call the helpline at 0800 111 222.")
    await ContentRule.create(pattern="hopeless", action=ContentRuleAction.HOLD)
    robin = await token_of(client, "robin")
    status, body, location = await post(client, robin, create(note("<p>All hopeless.</p>", name="Feeling low")))
    assert status == 201, body
    held = await Thread.get(title="Feeling low")
    assert held.review_state is ReviewState.HELD and location == body["object"]["id"] == held.uri
    assert "waiting for a facilitator" in body["circlefedHold"] and "0800 111 222" in body["circlefedHold"]
    assert not await OutboxActivity.exists(object_uri=held.uri), "nothing leaves before a facilitator approves it"
    assert "Feeling low" not in await page(client, "/c/grief")


async def test_a_delete_takes_the_post_away(client, grief):
    robin = await token_of(client, "robin")
    _, created, _ = await post(client, robin, create(note("<p>Too much.</p>", name="Regret")))
    uri = created["object"]["id"]
    status, body, location = await post(client, robin, {"type": "Delete", "actor": ROBIN, "object": uri})
    assert status == 201, body
    assert location == (await OutboxActivity.get(type="Delete", object_uri=uri)).uri
    assert (await Thread.get(uri=uri)).deleted_at is not None
    assert "Regret" not in await page(client, "/c/grief")
    gone = await client.get(path_of(uri), headers={"Accept": "application/activity+json"})
    assert gone.status == 410
    again = await post(client, robin, {"type": "Delete", "object": uri})
    assert again[:2] == (404, {"error": "Record not found"})


async def test_follow_and_undo_join_and_leave_a_circle(client, grief, settings):
    fran = await Actor.get(local_name="fran")
    await circle(settings, "hope", facilitator=fran)
    await circle(settings, "calm", facilitator=fran, rules="Be kind.")
    robin = await token_of(client, "robin")
    status, body, location = await post(client, robin, {"type": "Follow", "actor": ROBIN, "object": group("hope")})
    assert status == 201 and location is None, body
    robin_actor = await Actor.get(local_name="robin")
    joined = await Membership.get(circle__slug="hope", actor_id=robin_actor.id)
    assert joined.state is MembershipState.APPROVED
    undo = {"type": "Undo", "actor": ROBIN, "object": {"type": "Follow", "actor": ROBIN, "object": group("hope")}}
    status, body, _ = await post(client, robin, undo)
    assert status == 201, body
    assert not await Membership.exists(circle__slug="hope", actor_id=robin_actor.id)
    # Ground rules are accepted on the circle's page, as a web join does.
    status, body, _ = await post(client, robin, {"type": "Follow", "object": group("calm")})
    assert status == 422 and "ground rules" in body["error"]
    status, body, _ = await post(client, robin, {"type": "Follow", "object": "https://nowhere.example/c/x"})
    assert (status, body["error"]) == (422, "The object is not a circle known here")
    await remote_circle("far", "partner.example")
    status, body, _ = await post(client, robin, {"type": "Follow", "object": "https://partner.example/c/far"})
    assert (status, body["error"]) == (422, "Join a circle of another instance from the Circles page, with its handle")


async def test_a_like_and_its_undo(client, grief, settings, clock):
    fran = await Actor.get(local_name="fran")
    theirs = await thread(settings, clock, grief, fran, "Mornings")
    robin = await token_of(client, "robin", scope="write:favourites")
    status, body, location = await post(client, robin, {"type": "Like", "actor": ROBIN, "object": theirs.uri})
    assert status == 201, body
    like = await Reaction.get(object_uri=theirs.uri)
    assert location == body["id"] == like.activity_uri
    status, body, _ = await post(client, robin, {"type": "Undo", "actor": ROBIN, "object": location})
    assert status == 201, body
    assert not await Reaction.exists(object_uri=theirs.uri)
    # That token may like, and nothing else.
    status, body, _ = await post(client, robin, create(note("<p>Hi</p>", name="Hi")))
    assert (status, body["error"]) == (403, "This action is outside the authorized scopes")


async def test_a_flag_is_a_report_in_the_facilitators_queue(client, grief, settings, clock):
    kim = await approved_member(grief, await person(settings, "kim"))
    theirs = await thread(settings, clock, grief, kim, "Advice", "Stop your medication.")
    robin = await token_of(client, "robin")
    flag = {"type": "Flag", "actor": ROBIN, "object": [kim.uri, theirs.uri], "content": "Dangerous advice",
            "reportCategory": "harmful_advice"}
    status, body, location = await post(client, robin, flag)
    assert status == 201, body
    report = await Report.get(object_uri=theirs.uri)
    assert location == body["id"] == report.activity_uri, "the Flag the circle's facilitators elsewhere receive"
    assert (report.state, report.category.value) == (ReportState.OPEN, "harmful_advice")
    assert report.reason == "Dangerous advice"
    await sign_in(client, "fran")
    queue = await page(client, "/c/grief/facilitate/reports")
    assert "Harmful advice" in queue and "<strong>In their words:</strong> Dangerous advice" in queue
    client.session.cookie_jar.clear()
    status, body, _ = await post(client, robin, flag)
    assert status == 409, "one open report per post, as on the report page"
    _, mine, _ = await post(client, robin, create(note("<p>x</p>", name="Mine")))
    status, body, _ = await post(client, robin, {"type": "Flag", "object": [mine["object"]["id"]]})
    assert status == 403 and "your own post" in body["error"]


async def test_what_the_outbox_refuses(client, grief, settings, clock):
    fran = await Actor.get(local_name="fran")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    hidden = await thread(settings, clock, quiet, fran, "Closed doors")
    robin = await token_of(client, "robin")
    assert (await client.post(OUTBOX, json=note("<p>x</p>"))).status == 401
    status, body, _ = await post(client, robin, create(note("<p>x</p>", name="x"), actor=f"{BASE}/u/fran"))
    assert (status, body["error"]) == (403, "the activity's actor must be the owner of this outbox")
    status, body, _ = await post(client, robin, create(note("<p>x</p>", name="x", attributedTo=fran.uri)))
    assert status == 403
    status, body, _ = await post(client, robin, note("<p>x</p>"), path="/u/fran/outbox")
    assert status == 403 and "another member's outbox" in body["error"]
    assert (await post(client, robin, note("<p>x</p>"), path="/u/nobody/outbox"))[:2] == (
        404, {"error": "Record not found"})
    for addressed in ([], ["https://www.w3.org/ns/activitystreams#Public"], [group("grief"), group("quiet")],
                      ["https://nowhere.example/c/x"]):
        status, body, _ = await post(client, robin, {"type": "Note", "to": addressed, "content": "<p>x</p>"})
        assert status == 422 and "Address the post to one circle" in body["error"], addressed
    status, body, _ = await post(client, robin, note("<p>x</p>", slug="quiet", name="In"))
    assert status == 403 and "Only members" in body["error"]
    missing = await post(client, robin, {"type": "Note", "inReplyTo": f"{BASE}/t/none", "content": "<p>x</p>"})
    unreadable = await post(client, robin, {"type": "Note", "inReplyTo": hidden.uri, "content": "<p>x</p>"})
    assert missing[:2] == unreadable[:2] == (404, {"error": "Record not found"}), "no oracle"
    theirs = await thread(settings, clock, grief, fran, "Theirs")
    for kind in ("Update", "Delete"):
        target = {"id": theirs.uri, "content": "<p>mine now</p>"} if kind == "Update" else theirs.uri
        status, body, _ = await post(client, robin, {"type": kind, "object": target})
        assert (status, body["error"]) == (403, "Only the author can change this post")
    status, body, _ = await post(client, robin, {"type": "Announce", "object": theirs.uri})
    assert status == 422 and "'Announce'" in body["error"]
    assert (await post(client, robin, b"{not json"))[0] == 400
    assert (await post(client, robin, b"[1]"))[0] == 400
    assert (await post(client, robin, b"type=Note", content_type="application/x-www-form-urlencoded"))[0] == 415
    assert await Thread.filter(author__local_name="robin").count() == 0


async def test_the_member_reads_their_outbox_and_inbox_and_nobody_else_does(client, grief, settings, clock):
    fran = await Actor.get(local_name="fran")
    robin_actor = await Actor.get(local_name="robin")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    await approved_member(quiet, robin_actor)
    await thread(settings, clock, grief, fran, "From fran")
    robin = await token_of(client, "robin")
    _, public, _ = await post(client, robin, create(note("<p>Out loud.</p>", name="Open")))
    _, closed, _ = await post(client, robin, create(note("<p>Between us.</p>", slug="quiet", name="Closed")))
    assert closed["actor"] != ROBIN, "other instances know robin by a pseudonym in the members circle"

    status, outbox = await get_json(client, OUTBOX, robin)
    assert (status, outbox["type"], outbox["totalItems"]) == (200, "OrderedCollection", 2)
    as_app = await client.get(OUTBOX, headers={**robin, "Accept": "application/activity+json"})
    assert as_app.status == 200, "an app's Bearer token is not taken for a server's signature"
    _, first = await get_json(client, outbox["first"].replace(BASE, ""), robin)
    assert [item["id"] for item in first["orderedItems"]] == [closed["id"], public["id"]]
    _, one = await get_json(client, f"{OUTBOX}?page=true&limit=1", robin)
    assert [item["id"] for item in one["orderedItems"]] == [closed["id"]]
    _, older = await get_json(client, one["next"].replace(BASE, ""), robin)
    assert [item["id"] for item in older["orderedItems"]] == [public["id"]]

    status, inbox = await get_json(client, "/u/robin/inbox?page=true", robin)
    titles = [item["object"].get("name") for item in inbox["orderedItems"]]
    assert status == 200 and titles == ["Closed", "Open", "From fran"]
    assert inbox["orderedItems"][0]["id"] == closed["id"]

    fran_token = await token_of(client, "fran")
    for path in (OUTBOX, "/u/robin/inbox?page=true", "/u/nobody/outbox"):
        status, body = await get_json(client, path, fran_token)
        assert (status, body) == (404, {"error": "Record not found"}), path
