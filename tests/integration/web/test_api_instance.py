"""The Mastodon client API's instance documents: what apps read at sign-in (a version they parse, limits, whether
people may register), the admin's settings reflected as the settings form changes them, and counts that leave
confidential circles out."""

from __future__ import annotations

import re

import pytest

from circlefed.storage.models import Visibility
from tests.integration.web.admin_support import signed_in_admin
from tests.integration.web.member_world import circle, person, thread
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage
MASTODON_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)")  # what Mastodon.py and the apps read of "version"


async def documents(client) -> tuple[dict, dict]:
    first, second = await client.get("/api/v1/instance"), await client.get("/api/v2/instance")
    assert (first.status, second.status) == (200, 200)
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    return await first.json(), await second.json()


async def test_apps_read_a_mastodon_version_the_name_and_the_limits(client, settings):
    v1, v2 = await documents(client)
    assert MASTODON_VERSION.match(v1["version"]) and "circlefed" in v1["version"] and v1["version"] == v2["version"]
    assert (v1["uri"], v2["domain"]) == (settings.instance.domain, settings.instance.domain)
    assert v1["title"] == v2["title"] == settings.instance.name
    statuses = v2["configuration"]["statuses"]
    assert statuses["max_characters"] == 50_000 and statuses["max_media_attachments"] == 0
    assert v1["configuration"]["media_attachments"]["supported_mime_types"] == []
    emojis = await client.get("/api/v1/custom_emojis")
    assert emojis.status == 200 and await emojis.json() == []


async def test_registration_follows_the_admins_settings_form(client, settings):
    await signed_in_admin(client, settings)
    expected = {"open": (True, False), "approval": (True, True), "invite": (False, False), "closed": (False, False)}
    for mode, (enabled, approval) in expected.items():
        await submit(client, "/admin/settings", "Save settings", {"registration_mode": mode})
        v1, v2 = await documents(client)
        assert (v2["registrations"]["enabled"], v2["registrations"]["approval_required"]) == (enabled, approval), mode
        assert (v1["registrations"], v1["approval_required"], v1["invites_enabled"]) == (
            enabled, approval, mode == "invite"
        ), mode
        nodeinfo = await (await client.get("/nodeinfo/2.1")).json(content_type=None)
        assert nodeinfo["openRegistrations"] is enabled, mode


async def test_the_instance_name_comes_from_the_settings_form(client, settings):
    await signed_in_admin(client, settings)
    await submit(client, "/admin/settings", "Save settings", {"instance_name": "Harbour Clinic"})
    v1, v2 = await documents(client)
    assert v1["title"] == v2["title"] == "Harbour Clinic"


async def test_counts_leave_members_circles_out(client, settings, clock):
    fran = await person(settings, "fran")
    open_circle = await circle(settings, "open", facilitator=fran)
    quiet = await circle(settings, "quiet", facilitator=fran, visibility=Visibility.MEMBERS)
    before = (await documents(client))[0]["stats"]
    await thread(settings, clock, quiet, fran, "Hard week")
    assert (await documents(client))[0]["stats"] == before, "a members circle's thread is not counted"
    await thread(settings, clock, open_circle, fran, "Hello")
    after = (await documents(client))[0]["stats"]
    assert after["status_count"] == before["status_count"] + 1 and after["domain_count"] == 0


async def test_browser_apps_may_read_the_api_and_nothing_else_of_the_site(client):
    preflight = await client.options("/api/v1/accounts/verify_credentials", headers={
        "Origin": "https://elk.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    })
    assert preflight.status == 204 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    refused = await client.get("/api/v1/accounts/verify_credentials", headers={"Origin": "https://elk.example"})
    assert refused.status == 401 and refused.headers["Access-Control-Allow-Origin"] == "*"
    missing = await client.get("/api/v1/no_such_thing", headers={"Origin": "https://elk.example"})
    assert missing.status == 404 and missing.headers["Access-Control-Allow-Origin"] == "*"
    page = await client.get("/login", headers={"Origin": "https://elk.example"})
    assert page.status == 200 and "Access-Control-Allow-Origin" not in page.headers
