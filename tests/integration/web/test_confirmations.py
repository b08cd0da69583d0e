"""Destructive one-click actions ask once more, on a page of their own (no JavaScript): leaving a circle one
cannot simply rejoin, deleting a thread other members replied in. The easy cases stay one click."""

from __future__ import annotations

import pytest

from circlefed.domain.replies import reply
from circlefed.storage.models import Membership, Thread, Visibility
from tests.factories import approved_member, site_of
from tests.integration.web.conftest import HTML, sign_in
from tests.integration.web.member_world import circle, path_of, person, thread
from tests.integration.web.page_forms import forms_on, submit

pytestmark = pytest.mark.storage


async def test_leaving_a_members_circle_asks_on_a_page_and_only_the_confirmation_leaves(
    client, settings, clock, member
):
    fran = await person(settings, "fran")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    await approved_member(quiet, await member.actor)
    await sign_in(client)
    asked = await submit(client, "/c/quiet", "Leave this circle")
    page = await asked.text()
    assert asked.status == 200 and "<h1>Leave Quiet circle?</h1>" in page and "a facilitator decides" in page
    assert 'href="/c/quiet">Stay in the circle</a>' in page
    assert await Membership.exists(circle_id=quiet.id, actor_id=member.actor_id), "asking changes nothing"
    left = await client.post(
        "/c/quiet/leave", data=_form_of(page), headers=HTML, allow_redirects=False
    )  # the confirmation page's own form, as the browser sends it
    assert left.status == 303 and not await Membership.exists(circle_id=quiet.id, actor_id=member.actor_id)


async def test_leaving_an_open_public_circle_is_one_click(client, settings, clock, member):
    fran = await person(settings, "fran")
    open_ = await circle(settings, "open", facilitator=fran)
    await approved_member(open_, await member.actor)
    await sign_in(client)
    left = await submit(client, "/c/open", "Leave this circle")
    assert left.status == 303 and not await Membership.exists(circle_id=open_.id, actor_id=member.actor_id)


async def test_deleting_a_thread_others_replied_in_asks_and_names_how_many_replies(client, settings, clock, member):
    fran = await person(settings, "fran")
    grief = await circle(settings, "grief", facilitator=fran)
    robin = await member.actor
    await approved_member(grief, robin)
    mine = await thread(settings, clock, grief, robin, "Evenings")
    lonely = await thread(settings, clock, grief, robin, "Mornings")
    await reply(site_of(settings), mine, fran, source="I hear you.", now=clock.now())
    await sign_in(client)
    one_click = await submit(client, path_of(lonely.uri), "Delete")
    assert one_click.status == 303 and (await Thread.get(id=lonely.id)).deleted_at is not None
    asked = await submit(client, path_of(mine.uri), "Delete")
    page = await asked.text()
    assert asked.status == 200 and "Delete your thread “Evenings”?" in page and "wrote 1 reply in it" in page
    assert (await Thread.get(id=mine.id)).deleted_at is None, "asking changes nothing"
    deleted = await client.post(f"/threads/{mine.id}/delete", data=_form_of(page), headers=HTML, allow_redirects=False)
    assert deleted.status == 303 and (await Thread.get(id=mine.id)).deleted_at is not None


def _form_of(page: str) -> dict[str, str]:
    """What the confirmation page's form sends (its CSRF token and the confirmation)."""
    (form,) = [f for f in forms_on(page) if "confirmed" in f.fields]
    return form.fields
