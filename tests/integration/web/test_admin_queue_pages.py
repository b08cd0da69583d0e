"""Admin pages: delivery health with retry buttons, the moderation log and its export, content rules."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from circlefed.domain import modlog
from circlefed.storage.models import ContentRule, Delivery, Instance, QueueState
from tests.factories import local_actor, local_circle, local_person, site_of
from tests.integration.web.admin_support import admin_post, follow, signed_in_admin
from tests.integration.web.conftest import HTML
from tests.unit.delivery.support import activity, enqueue

pytestmark = pytest.mark.storage


@pytest.fixture
async def failed(db, clock):
    """Three failed deliveries (two to down.example, which is backing off) and one delivered."""
    stored = await activity(await local_actor("sender"), clock.now())
    inboxes = ["https://down.example/inbox", "https://down.example/u/x/inbox", "https://gone.example/inbox",
               "https://up.example/inbox"]
    await enqueue(stored, inboxes, clock.now())
    rows = await Delivery.all().order_by("id")
    for row in rows[:3]:
        await Delivery.filter(id=row.id).update(
            state=QueueState.FAILED, attempts=16, last_error="gave up after 16 attempts", finished_at=clock.now()
        )
    await Delivery.filter(id=rows[3].id).update(state=QueueState.DELIVERED, last_status=202)
    await Instance.create(domain="down.example", failure_count=9, backoff_until=clock.now() + timedelta(hours=3))
    return [row.id for row in rows]


async def test_delivery_health_shows_queue_depths_failing_domains_and_failed_deliveries(client, settings, failed):
    await signed_in_admin(client, settings)
    page = await (await client.get("/admin/deliveries", headers=HTML)).text()
    assert "<td>failed</td><td>3</td>" in page and "<td>delivered</td><td>1</td>" in page
    assert "<td>down.example</td>\n        <td>9</td>" in page
    assert f'action="/admin/deliveries/{failed[0]}/retry"' in page and "gave up after 16 attempts" in page
    overview = await (await client.get("/admin", headers=HTML)).text()
    assert "<strong>3</strong> failed" in overview and "<strong>1</strong> instance is not answering" in overview


async def test_retry_buttons_move_failed_deliveries_back_to_pending(client, settings, failed, clock):
    await signed_in_admin(client, settings)
    page = await follow(client, await admin_post(client, f"/admin/deliveries/{failed[2]}/retry"))
    assert f"Delivery {failed[2]} to gone.example will be tried again now." in page
    retried = await Delivery.get(id=failed[2])
    assert (retried.state, retried.attempts, retried.next_attempt_at) == (QueueState.PENDING, 0, clock.now())
    page = await follow(client, await admin_post(client, "/admin/deliveries/retry-domain", {"domain": "down.example"}))
    assert "2 deliveries to down.example will be tried again now" in page
    assert set(await Delivery.filter(domain="down.example").values_list("state", flat=True)) == {QueueState.PENDING}
    instance = await Instance.get(domain="down.example")
    assert (instance.failure_count, instance.backoff_until) == (0, None)
    again = await follow(client, await admin_post(client, f"/admin/deliveries/{failed[3]}/retry"))
    assert "only failed or retry_wait deliveries can be retried" in again  # a delivered one stays delivered


async def test_the_moderation_log_shows_every_circle_and_exports_as_csv_and_json(client, settings, clock):
    await signed_in_admin(client, settings)
    site = site_of(settings)
    fran = await local_person(site, "fran")
    grief = await local_circle(site, "grief", fran)
    hope = await local_circle(site, "hope", fran)
    await modlog.record(grief, fran, modlog.LOCK, target_uri="http://127.0.0.1:8080/t/x", reason="heated",
                        now=clock.now())
    await modlog.record(hope, fran, modlog.BAN, target_uri="https://s.example/u/troll", reason="spam, again",
                        now=clock.now() + timedelta(minutes=5))
    page = await (await client.get("/admin/log", headers=HTML)).text()
    # newest first; targets not stored here are not named (never their raw ids)
    assert page.index("banned someone from the circle") < page.index("locked a thread")
    assert "s.example" not in page and "/t/x" not in page
    only_grief = await (await client.get("/admin/log?circle=grief", headers=HTML)).text()
    assert "locked a thread" in only_grief and "banned" not in only_grief
    exported = await client.get("/admin/log/export?format=csv", headers=HTML)
    rows = list(csv.DictReader(io.StringIO(await exported.text())))
    assert exported.content_type == "text/csv"
    assert [(r["circle"], r["action"], r["reason"]) for r in rows] == [
        ("grief", "lock_thread", "heated"), ("hope", "ban_member", "spam, again")
    ]
    as_json = json.loads(await (await client.get("/admin/log/export?format=json&circle=hope", headers=HTML)).text())
    assert [(e["circle"], e["moderator"]) for e in as_json] == [("hope", "http://127.0.0.1:8080/u/fran")]
    missing = await client.get("/admin/log?circle=nowhere", headers=HTML)
    assert missing.status == 404


async def test_content_rules_are_added_listed_and_removed(client, settings):
    await signed_in_admin(client, settings)
    response = await admin_post(client, "/admin/content-rules", {"pattern": "buy now", "rule_action": "reject"})
    page = await follow(client, response)
    rule = await ContentRule.get()
    assert f"Added rule {rule.id}: matching posts everywhere on this instance are refused." in page
    assert "<code>buy now</code>" in page
    bad_regex = {"pattern": "(unclosed", "is_regex": "on", "rule_action": "hold"}
    bad = await admin_post(client, "/admin/content-rules", bad_regex)
    assert bad.status == 400 and 'id="pattern-error"' in await bad.text()
    page = await follow(client, await admin_post(client, f"/admin/content-rules/{rule.id}/remove"))
    assert f"Removed rule {rule.id}." in page and not await ContentRule.exists()
