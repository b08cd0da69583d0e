"""Mentions and links in local posts, through the real forms and the client API: a bare web address becomes a
link (a script address never does); `@robin` in a public circle links to robin's page and tells robin; in a
members circle only the name the circle shows robin by tells robin (and links nowhere), while `@robin` there is
plain text that tells nobody; a non-member is never told; an edit that adds a mention tells the member once."""

from __future__ import annotations

import pytest

from circlefed.domain.pseudonyms import generated_display_name, pseudonym_name
from circlefed.storage.models import (
    Account,
    Actor,
    Membership,
    Notification,
    NotificationKind,
    OutboxActivity,
    Visibility,
)
from tests.factories import approved_member, remote_person, site_of
from tests.integration.web.api_support import post_status, token_of
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import circle, page, path_of, person
from tests.integration.web.oauth_flow import register
from tests.integration.web.page_forms import submit
from tests.integration.web.test_notifications_page import notices, reply, start_thread, switch

pytestmark = pytest.mark.storage
NOTIFICATIONS = "/api/v1/notifications"
REL = 'rel="nofollow noopener ugc"'


@pytest.fixture
async def app_client(client):
    return await register(client)


@pytest.fixture
async def sam(settings, grief):
    return await approved_member(grief, await person(settings, "sam"))


@pytest.fixture
async def quiet(settings, member):
    """A members circle: fran facilitates, robin and sam are members, nora is not."""
    fran = await Actor.get_or_none(local_name="fran") or await person(settings, "fran")
    made = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    people = {"fran": fran, "robin": await member.actor, "sam": await person(settings, "sam")}
    people["nora"] = await person(settings, "nora")
    await approved_member(made, people["robin"])
    await approved_member(made, people["sam"])
    return made, people


async def page_text(response) -> str:
    assert response.status == 200, response.status
    return await response.text()


async def told(name: str) -> list[Notification]:
    account = await Account.get(username=name)
    return await Notification.filter(account_id=account.id).order_by("id")


async def api_notifications(client, headers) -> list[dict]:
    response = await client.get(NOTIFICATIONS, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def mention_tags(uri: str) -> list[dict]:
    """The Mention tags of the post as it leaves this instance (its Create), less the circle's own."""
    create = await OutboxActivity.get(type="Create", object_uri=uri)
    circle_uri = create.payload["object"]["audience"]
    return [tag for tag in create.payload["object"]["tag"] if tag["type"] == "Mention" and tag["href"] != circle_uri]


async def test_a_bare_address_becomes_a_link_and_a_script_address_never_does(client, grief, app_client):
    await sign_in(client)
    body = "Read https://help.example/grief?page=2. Not javascript:alert(1) nor <javascript:alert(2)>."
    thread = await start_thread(client, "grief", "Helpful pages", body)
    shown = await page(client, path_of(thread.uri))
    link = "https://help.example/grief?page=2"
    assert f'Read <a href="{link}" {REL}>{link}</a>. Not javascript:alert(1)' in shown
    assert 'href="javascript' not in shown.lower()

    robin = await token_of(client, app_client, "robin")
    status, made = await post_status(
        client, robin, status="@grief More pages\nhttp://old.example/a and javascript://x.example/%0Aalert(1)"
    )
    assert status == 200, made
    assert f'<a href="http://old.example/a" {REL}>http://old.example/a</a>' in made["content"]
    assert "javascript://x.example" in made["content"] and 'href="javascript' not in made["content"].lower()


async def test_at_robin_in_a_public_circle_links_to_robin_and_tells_robin(client, grief, sam, app_client):
    await sign_in(client, "sam")
    thread = await start_thread(client, "grief", "Thanks", "@robin thank you for yesterday. And @sam says hi.")
    robin_page = (await Actor.get(local_name="robin")).uri
    shown = await page(client, path_of(thread.uri))
    assert f'<a href="{robin_page}" class="mention" {REL}>@robin</a> thank you' in shown
    assert '<a href="' + (await Actor.get(local_name="sam")).uri in shown, "the author may name themselves"
    assert await told("sam") == [], "nobody is told of their own post"

    await switch(client, "robin")
    assert notices(await page(client, "/notifications")) == ["sam mentioned you in the thread Thanks in Grief circle."]
    robin = await token_of(client, app_client, "robin")
    (mention,) = await api_notifications(client, robin)
    assert mention["type"] == "mention" and mention["account"]["username"] == "sam"
    assert f'class="mention" {REL}>@robin</a>' in mention["status"]["content"]


async def test_a_reply_that_names_the_member_it_answers_tells_them_once(client, grief, sam):
    await sign_in(client)
    thread = await start_thread(client, "grief", "Evenings")
    await switch(client, "sam")
    await reply(client, thread, "@robin evenings are hard for me too.")
    assert [n.kind for n in await told("robin")] == [NotificationKind.REPLY]


async def test_in_a_members_circle_only_the_shown_name_tells_robin_and_the_username_names_nobody(client, quiet):
    circle_, people = quiet
    await sign_in(client)
    membership = await Membership.get(circle_id=circle_.id, actor_id=people["robin"].id)
    named = await submit(client, "/account", "Save name for Quiet circle", {f"pseudonym-{membership.id}": "Quiet Fern"})
    assert named.status == 303

    await switch(client, "sam")
    previewed = await page_text(await submit(
        client, "/c/quiet/new", "Preview", {"title": "Checking in", "body": "@Quiet Fern and @robin, hello."}))
    assert '<span class="mention">@Quiet Fern</span> and @robin, hello.' in previewed, "as posted"
    thread = await start_thread(client, "quiet", "Checking in", "@robin are you around?")
    assert await told("robin") == [], "the username of a member shown by another name names nobody"
    await reply(client, thread, "@Quiet Fern I hope the week went well.")
    shown = await page(client, path_of(thread.uri))
    assert "<p>@robin are you around?</p>" in shown
    assert '<span class="mention">@Quiet Fern</span> I hope the week went well.' in shown
    assert "/u/robin" not in shown and "/u/" not in shown.split("<main", 1)[1]

    sam_name = generated_display_name(await pseudonym_name(circle_, people["sam"]))
    await switch(client, "robin")
    lines = notices(await page(client, "/notifications"))
    assert lines == [f"{sam_name} mentioned you in a reply in Checking in in Quiet circle."]


async def test_an_app_mentions_a_member_by_the_generated_name_and_never_a_non_member(client, quiet, app_client):
    circle_, people = quiet
    robin_name = generated_display_name(await pseudonym_name(circle_, people["robin"]))
    nora_name = generated_display_name(await pseudonym_name(circle_, people["nora"]))
    sam = await token_of(client, app_client, "sam")
    _, opening = await post_status(client, sam, status="@quiet Evening check-in\nHow is everyone?")
    text = f"@{robin_name} and @robin, and @nora and @{nora_name}: thinking of you."
    status, answer = await post_status(client, sam, status=text, in_reply_to_id=opening["id"])
    assert status == 200, answer
    assert f'<span class="mention">@{robin_name}</span> and @robin, and @nora and @{nora_name}:' in answer["content"]
    assert "/u/" not in answer["content"]

    robin = await token_of(client, app_client, "robin")
    (mention,) = await api_notifications(client, robin)
    assert (mention["type"], mention["status"]["id"]) == ("mention", answer["id"])
    assert await told("nora") == [], "someone outside a members circle is never told of it"
    nora = await token_of(client, app_client, "nora")
    assert await api_notifications(client, nora) == []


async def test_a_non_member_named_in_a_members_circle_is_not_told(client, quiet):
    circle_, people = quiet
    nora_name = generated_display_name(await pseudonym_name(circle_, people["nora"]))
    await sign_in(client, "sam")
    await start_thread(client, "quiet", "Who else", f"Is @nora here? Or @{nora_name}?")
    await switch(client, "nora")
    assert notices(await page(client, "/notifications")) == []
    assert await told("nora") == []


async def test_an_edit_that_adds_a_mention_tells_the_member_once(client, grief, sam, app_client):
    await sign_in(client)
    thread = await start_thread(client, "grief", "Plans", "Tea on Sunday?")
    edit = f"/threads/{thread.id}/edit"
    assert (await submit(client, edit, "Save changes", {"body": "Tea on Sunday, @sam?"})).status == 303
    assert [n.kind for n in await told("sam")] == [NotificationKind.MENTION]
    assert (await submit(client, edit, "Save changes", {"body": "Tea on Sunday at four, @sam?"})).status == 303
    assert len(await told("sam")) == 1, "a member is told of a post once"

    headers = await token_of(client, app_client, "sam")
    (mention,) = await api_notifications(client, headers)
    assert (await client.post(f"{NOTIFICATIONS}/{mention['id']}/dismiss", headers=headers)).status == 200
    await sign_in(client)
    assert (await submit(client, edit, "Save changes", {"body": "Tea on Sunday at five, @sam?"})).status == 303
    assert await told("sam") == [], "dismissed, and still not told again of the same post"
    assert (await submit(client, edit, "Save changes", {"body": "Tea at five, @sam and @fran?"})).status == 303
    assert len(await told("fran")) == 1 and await told("sam") == []


async def test_a_post_leaves_naming_a_public_member_by_their_person_and_a_confidential_one_by_their_pseudonym(
    client, settings, grief, quiet
):
    circle_, people = quiet
    domain = settings.instance.domain
    await sign_in(client, "fran")
    in_public = await start_thread(client, "grief", "Welcome", "Welcome @robin and @fran!")
    robin, fran = people["robin"], people["fran"]
    assert await mention_tags(in_public.uri) == [
        {"type": "Mention", "href": robin.uri, "name": f"@robin@{domain}"},
        {"type": "Mention", "href": fran.uri, "name": f"@fran@{domain}"},
    ]

    pseudonym = await pseudonym_name(circle_, robin)
    robin_name = generated_display_name(pseudonym)
    in_confidence = await start_thread(client, "quiet", "Hello", f"Welcome @{robin_name}, and @robin too.")
    (tag,) = await mention_tags(in_confidence.uri)
    shown_as = site_of(settings).uris.member(pseudonym)
    assert tag == {"type": "Mention", "href": shown_as, "name": f"@{pseudonym}@{domain}"}
    assert await Actor.exists(uri=tag["href"]), "the pseudonym it names exists for other instances to fetch"
    create = await OutboxActivity.get(type="Create", object_uri=in_confidence.uri)
    assert robin.uri not in str(create.payload), "the account behind the name leaves nowhere in it"


async def test_remote_people_are_named_by_handle_where_the_circle_may_name_them(client, settings, grief, quiet):
    circle_, _ = quiet
    kim = await remote_person("kim", "social.example")
    ash = await approved_member(circle_, await remote_person("ash", "lemmy.example"))
    await sign_in(client)
    in_public = await start_thread(client, "grief", "Hello", "Hi @kim@social.example and @ash@lemmy.example")
    shown = await page(client, path_of(in_public.uri))
    assert f'<a href="{kim.uri}" class="mention" {REL}>@kim@social.example</a>' in shown
    assert f'<a href="{ash.uri}" class="mention" {REL}>@ash@lemmy.example</a>' in shown
    assert [tag["href"] for tag in await mention_tags(in_public.uri)] == [kim.uri, ash.uri]

    in_confidence = await start_thread(client, "quiet", "Greetings", "Hi @kim@social.example and @ash@lemmy.example")
    shown = await page(client, path_of(in_confidence.uri))
    assert "Hi @kim@social.example and " in shown, "someone outside a members circle is not named in it"
    assert f'<a href="{ash.uri}" class="mention" {REL}>@ash@lemmy.example</a>' in shown
    assert [tag["href"] for tag in await mention_tags(in_confidence.uri)] == [ash.uri]
