"""The crisis resources text: admins are asked for it until it is set, and a person in crisis gets its phone
numbers and web addresses as links they can tap (and none of the admin's markup)."""

from __future__ import annotations

import pytest

from circlefed.domain.safety import FALLBACK_RESOURCES
from circlefed.storage.models import ReviewState, Thread
from tests.factories import approved_member
from tests.integration.web.admin_support import signed_in_admin
from tests.integration.web.conftest import HTML, sign_in
from tests.integration.web.member_world import circle, person
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage

RESOURCES = (
    "Samaritans: call 116 123, any time, or visit samaritans.org.\n"
    "In the US call or text 988 (https://988lifeline.org/chat). Open 24/7, 365 days a year.\n"
    '<script>alert("x")</script><a href="javascript:alert(1)">tap here</a> <b>bold</b>'
)
TEL_116 = '<a href="tel:116123">116 123</a>'
WEB_SAMARITANS = '<a href="https://samaritans.org">samaritans.org</a>'
WEB_988 = '<a href="https://988lifeline.org/chat">https://988lifeline.org/chat</a>'


async def text_of(client, path: str) -> str:
    async with client.get(path, headers=HTML) as response:
        assert response.status == 200, path
        return await response.text()


async def after_posting(client, response) -> str:
    """The page the poster sees after sending the form (directly, or where a redirect leads)."""
    if response.status == 303:
        return await text_of(client, response.headers["Location"])
    assert response.status == 200, response.status
    return await response.text()


def assert_linked_and_escaped(page: str) -> None:
    assert TEL_116 in page and '<a href="tel:988">988</a>' in page
    assert WEB_SAMARITANS in page and WEB_988 in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page and "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert 'href="tel:247"' not in page and 'href="tel:365"' not in page  # "24/7", "365 days" are not numbers


async def test_the_admin_is_asked_for_the_crisis_resources_until_they_are_set(client, settings):
    # SPEC: issue 15 (setup and the admin overview ask for the crisis resources text until it is set)
    await signed_in_admin(client, settings)
    overview = await text_of(client, "/admin")
    assert 'id="crisis-resources-missing"' in overview and 'href="/admin/settings#crisis_resources"' in overview
    settings_page = await text_of(client, "/admin/settings")
    assert 'id="crisis-resources-missing"' in settings_page and FALLBACK_RESOURCES in settings_page
    saved = await submit(client, "/admin/settings", "Save settings", fill={"crisis_resources": RESOURCES})
    assert saved.status == 303
    assert 'id="crisis-resources-missing"' not in await text_of(client, "/admin")
    settings_page = await text_of(client, "/admin/settings")
    assert 'id="crisis-resources-missing"' not in settings_page
    preview = settings_page[settings_page.index('id="crisis-resources-preview"') :]
    assert_linked_and_escaped(preview.split("</div>", 1)[0])


async def test_a_member_whose_post_sounds_like_a_crisis_gets_tappable_links(client, settings, member):
    # SPEC: issue 15 (phone numbers and URLs in the resources render as tel: and https: links)
    fran = await person(settings, "fran")
    grief = await circle(settings, "grief", facilitator=fran)
    await approved_member(grief, await member.actor)
    await signed_in_admin(client, settings)
    await submit(client, "/admin/settings", "Save settings", fill={"crisis_resources": RESOURCES})
    client.session.cookie_jar.clear()
    await sign_in(client)
    fill = {"title": "Tonight", "body": "Thinking about suicide a lot"}
    response = await submit(client, "/c/grief/new", "Post thread", fill=fill)
    held_page = await after_posting(client, response)
    assert "waiting for a facilitator" in held_page
    assert_linked_and_escaped(held_page)
    held = await Thread.get(title="Tonight")
    assert held.review_state is ReviewState.HELD


async def test_until_the_admin_sets_the_text_a_person_in_crisis_is_told_to_call_emergency_services(
    client, settings, member
):
    fran = await person(settings, "fran")
    grief = await circle(settings, "grief", facilitator=fran)
    await approved_member(grief, await member.actor)
    await sign_in(client)
    response = await submit(client, "/c/grief/new", "Post thread", fill={"title": "Hi", "body": "I want to die"})
    page = await after_posting(client, response)
    assert "Support right now" in page and FALLBACK_RESOURCES in page
