"""Circles from the web: starting one on /circles/new (who may is the admin's setting on /admin/settings), and
renaming one on its settings page; every form driven from the page that sends it."""

from __future__ import annotations

import pytest

from circlefed.app import create_app
from circlefed.domain.circles import create_circle
from circlefed.storage.models import (
    Actor,
    Circle,
    Membership,
    MembershipState,
    ModerationLogEntry,
    OutboxActivity,
    Role,
    Visibility,
)
from tests.factories import site_of
from tests.integration.web.admin_support import follow, signed_in_admin
from tests.integration.web.conftest import HTML, sign_in
from tests.integration.web.page_forms import forms_on, submit

pytestmark = pytest.mark.storage
PLAN = {
    "name": "Living with grief",
    "slug": "living_with_grief",
    "description": "For anyone who lost someone.",
    "rules": "1. What is said here stays here.",
    "visibility": "members",
    "retention_days": "30",
}


async def start(client, fill: dict, untick: tuple[str, ...] = ()):
    return await submit(client, "/circles/new", "Start the circle", {**PLAN, **fill}, untick=untick)


async def test_an_admin_starts_a_members_circle_with_rules_approval_and_retention(client, settings):
    await signed_in_admin(client, settings)
    circles_page = await (await client.get("/circles", headers=HTML)).text()
    assert 'href="/circles/new"' in circles_page
    answer = await start(client, {})
    assert answer.status == 303 and answer.headers["Location"] == "/c/living_with_grief"
    assert "Living with grief is ready. You are its facilitator." in await follow(client, answer)
    circle = await Circle.get(slug="living_with_grief")
    assert (circle.visibility, circle.requires_approval, circle.retention_days) == (Visibility.MEMBERS, True, 30)
    assert (circle.description, circle.rules_source) == (PLAN["description"], PLAN["rules"])
    founder = await Membership.get(circle=circle).prefetch_related("actor")
    expected = ("ada", Role.FACILITATOR, MembershipState.APPROVED)
    assert (founder.actor.local_name, founder.role, founder.state) == expected
    assert founder.rules_version_acknowledged == circle.rules_version, "whoever wrote the rules has read them"
    actions = await ModerationLogEntry.filter(circle=circle).values_list("action", flat=True)
    assert set(actions) == {"create_circle", "set_rules"}


async def test_bad_input_keeps_what_was_typed_and_says_what_to_fix(client, settings):
    await signed_in_admin(client, settings)
    await create_circle(site_of(settings), "taken", "Taken")
    for fill, untick, status, message in [
        ({"slug": "Not A Slug!"}, (), 400, "use 2-30 lowercase letters"),
        ({"slug": "taken"}, (), 409, "The name &#39;taken&#39; is already taken"),
        ({"retention_days": "forever"}, (), 400, "whole number of days"),
        ({}, ("requires_approval",), 400, "always ask a facilitator to approve each join"),
        ({"name": ""}, (), 400, "Name"),
    ]:
        answer = await start(client, fill, untick)
        page = await answer.text()
        assert (answer.status, message in page) == (status, True), (fill, untick, answer.status)
        assert PLAN["rules"] in page and PLAN["description"] in page, "the typed text comes back"
    assert await Circle.filter(is_local=True).count() == 1


async def test_only_who_the_admin_allows_may_start_circles_and_only_at_the_levels_allowed(
    client, settings, member, aiohttp_client, clock
):
    robin = await aiohttp_client(create_app(settings, clock=clock))
    await sign_in(robin)
    assert 'href="/circles/new"' not in await (await robin.get("/circles", headers=HTML)).text()
    refused = await robin.get("/circles/new", headers=HTML)
    assert refused.status == 403 and "Only the admins of this instance start circles" in await refused.text()

    await signed_in_admin(client, settings)
    saved = await submit(client, "/admin/settings", "Save", {"circle_creators": "facilitators"})
    assert saved.status == 303
    assert (await robin.get("/circles/new", headers=HTML)).status == 403, "robin facilitates no circle"
    await create_circle(site_of(settings), "walkers", "Walkers", facilitator=await Actor.get(local_name="robin"))
    assert (await robin.get("/circles/new", headers=HTML)).status == 200

    await submit(client, "/admin/settings", "Save", {"circle_creators": "members"})
    settings_page = await (await client.get("/admin/settings", headers=HTML)).text()
    assert 'id="creators-members" name="circle_creators" value="members" checked' in settings_page
    page = await (await robin.get("/circles/new", headers=HTML)).text()
    assert [f.action for f in forms_on(page) if f.action == "/circles/new"] == ["/circles/new"]
    levels = [v for v in ("public", "members", "local") if f'<option value="{v}"' in page]
    assert levels == list(settings.confidentiality.facilitator_visibilities)
    public = await submit(robin, "/circles/new", "Start the circle", {**PLAN, "visibility": "public"})
    assert public.status == 400 and "Choose one of the offered options" in await public.text()
    started = await submit(robin, "/circles/new", "Start the circle", {**PLAN, "visibility": "local"})
    assert started.status == 303
    assert (await Circle.get(slug="living_with_grief")).visibility is Visibility.LOCAL


async def test_a_facilitator_renames_the_circle_and_its_group_says_so(client, settings):
    await signed_in_admin(client, settings)
    await start(client, {})
    path = "/c/living_with_grief/facilitate/settings"
    saved = await submit(client, path, "Save settings", {"name": "Grief and loss", "description": "All welcome."})
    assert saved.status == 303
    circle = await Circle.get(slug="living_with_grief")
    group = await Actor.get(id=circle.actor_id)
    assert (circle.name, circle.description, group.display_name) == ("Grief and loss", "All welcome.", "Grief and loss")
    assert await OutboxActivity.filter(type="Update", object_uri=group.uri).exists(), "member instances are told"
    assert "Grief and loss" in await (await client.get("/c/living_with_grief", headers=HTML)).text()
    empty = await submit(client, path, "Save settings", {"name": "  "})
    assert empty.status == 400 and "Name" in await empty.text()
    assert (await Circle.get(id=circle.id)).name == "Grief and loss"
