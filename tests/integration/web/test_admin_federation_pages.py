"""Admin pages: federation mode, domain rules (enforced on the queue), Mastodon CSV import/export, trusted partners."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import FormData

from circlefed.policy.verdicts import Allow, Reject
from circlefed.storage.models import Delivery, DomainRule, QueueState, TrustedInstance, Visibility
from circlefed.web.keys import FEDERATION
from tests.factories import local_actor
from tests.integration.web.admin_support import admin_post, follow, signed_in_admin
from tests.integration.web.conftest import HTML, csrf_page
from tests.integration.web.member_world import circle, person
from tests.unit.delivery.support import activity, enqueue

pytestmark = pytest.mark.storage

MASTODON_EXPORT = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon" / "domain_blocks.csv"
BAD_CSV = (
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    "fine.example,suspend,false,false,ok,false\n"
    "bad domain!,suspend,false,false,,false\n"
    "other.example,banish,false,false,,false\n"
)


async def upload(client, text: str, filename: str = "blocks.csv"):
    form = FormData()
    form.add_field("csrf_token", await csrf_page(client, "/admin/federation"))
    form.add_field("blocklist", text.encode(), filename=filename, content_type="text/csv")
    return await client.post("/admin/federation/import", data=form, headers=HTML, allow_redirects=False)


async def test_blocking_a_domain_cancels_its_queued_deliveries_and_lists_the_rule(client, settings, clock):
    await signed_in_admin(client, settings)
    stored = await activity(await local_actor("sender"), clock.now())
    await enqueue(stored, ["https://evil.example/inbox", "https://friendly.example/inbox"], clock.now())
    gate = client.app[FEDERATION].domain_gate
    assert isinstance(await gate.origin("evil.example"), Allow)  # cached now (the fake clock never expires it)
    response = await admin_post(
        client, "/admin/federation/rules", {"domain": "Evil.Example", "action": "block", "reason": "harassment"}
    )
    page = await follow(client, response)
    assert "evil.example: block. 1 queued deliveries were cancelled." in page
    assert "<td>evil.example</td>" in page and "<td>harassment</td>" in page
    states = {d.domain: d.state for d in await Delivery.all()}
    assert states == {"evil.example": QueueState.CANCELLED, "friendly.example": QueueState.PENDING}
    assert isinstance(await gate.origin("evil.example"), Reject)  # this process applies the rule at once
    page = await follow(client, await admin_post(client, "/admin/federation/rules/clear", {"domain": "evil.example"}))
    assert "Removed the block rule for evil.example." in page and not await DomainRule.exists()


async def test_a_bad_domain_rule_is_shown_again_with_the_error_at_the_field(client, settings):
    await signed_in_admin(client, settings)
    response = await admin_post(client, "/admin/federation/rules", {"domain": "not a domain", "action": "block"})
    page = await response.text()
    assert response.status == 400 and 'id="domain-error"' in page and 'value="not a domain"' in page
    assert not await DomainRule.exists()


async def test_setting_the_mode_to_closed_cancels_everything_queued(client, settings, clock):
    await signed_in_admin(client, settings)
    stored = await activity(await local_actor("sender"), clock.now())
    await enqueue(stored, ["https://a.example/inbox", "https://b.example/inbox"], clock.now())
    page = await follow(client, await admin_post(client, "/admin/federation/mode", {"mode": "closed"}))
    assert "Federation mode is now closed. 2 queued deliveries were cancelled." in page
    assert 'id="fed-closed" name="mode" value="closed" checked' in page
    assert set(await Delivery.all().values_list("state", flat=True)) == {QueueState.CANCELLED}


async def test_a_mastodon_csv_imports_and_exports_back_the_same_rules(client, settings):
    await signed_in_admin(client, settings)
    page = await follow(client, await upload(client, MASTODON_EXPORT.read_text(encoding="utf-8")))
    assert "Imported the file:" in page and "<td>spam.example</td>" in page
    rules = {rule.domain: rule.action.value for rule in await DomainRule.all()}
    assert rules["spam.example"] == "block" and rules["loud.example"] == "silence"
    exported = await client.get("/admin/federation/export.csv", headers=HTML)
    assert exported.status == 200 and exported.content_type == "text/csv"
    assert "attachment" in exported.headers["Content-Disposition"]
    text = await exported.text()
    assert text.splitlines()[0] == "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    await DomainRule.all().delete()
    await follow(client, await upload(client, text))  # round trip: the export imports to the same rules
    assert {rule.domain: rule.action.value for rule in await DomainRule.all()} == rules


async def test_a_csv_with_bad_lines_imports_nothing_and_names_each_bad_line(client, settings):
    await signed_in_admin(client, settings)
    response = await upload(client, BAD_CSV)
    page = await response.text()
    assert response.status == 400 and "Nothing was imported." in page
    assert "line 3:" in page and "line 4: unknown severity" in page
    assert not await DomainRule.exists()
    for text in ("", "just some words\n"):
        response = await upload(client, text)
        assert response.status == 400 and "Nothing was imported." in await response.text()


async def test_trusted_partner_instances_are_added_listed_and_removed(client, settings):
    await signed_in_admin(client, settings)
    response = await admin_post(
        client, "/admin/federation/trusted", {"trusted_domain": "Partner.Example", "note": "signed agreement"}
    )
    page = await follow(client, response)
    assert "partner.example is now trusted" in page and "signed agreement" in page
    assert await TrustedInstance.exists(domain="partner.example")
    response = await admin_post(client, "/admin/federation/trusted/remove", {"trusted_domain": "partner.example"})
    page = await follow(client, response)
    assert "partner.example is no longer trusted." in page and not await TrustedInstance.exists()
    missing = await admin_post(client, "/admin/federation/trusted/remove", {"trusted_domain": "nobody.example"})
    assert "nobody.example is not on the trusted list" in await follow(client, missing)
    address = await admin_post(client, "/admin/federation/trusted", {"trusted_domain": "198.51.100.7"})
    assert address.status == 400 and "198.51.100.7 is an IP address" in await address.text()
    assert not await TrustedInstance.exists()


async def test_a_blocked_partner_is_named_as_a_contradiction_until_one_setting_gives_way(client, settings):
    await signed_in_admin(client, settings)
    await follow(client, await admin_post(
        client, "/admin/federation/rules", {"domain": "partner.example", "action": "silence", "reason": "noisy week"}
    ))
    page = await follow(client, await admin_post(
        client, "/admin/federation/rules", {"domain": "partner.example", "action": "block", "reason": ""}
    ))
    assert "partner.example: block; replaced its earlier rule: silence (noisy week)." in page
    assert "<td>noisy week</td>" in page, "the reason stays when none is given"
    trusted = await follow(client, await admin_post(
        client, "/admin/federation/trusted", {"trusted_domain": "partner.example", "note": ""}
    ))
    contradiction = "partner.example is a trusted partner but its domain is blocked"
    assert 'class="flash flash-error"' in trusted and contradiction in trusted
    assert "Settings that contradict each other" in trusted
    cleared = await admin_post(client, "/admin/federation/rules/clear", {"domain": "partner.example"})
    page = await follow(client, cleared)
    assert contradiction not in page and "Settings that contradict each other" not in page


async def test_an_idn_rule_is_listed_in_unicode_beside_its_punycode(client, settings):
    await signed_in_admin(client, settings)
    page = await follow(client, await admin_post(
        client, "/admin/federation/rules", {"domain": "Bücher.example", "action": "silence", "reason": ""}
    ))
    assert "<td>bücher.example (xn--bcher-kva.example)</td>" in page


async def test_removing_a_trusted_partner_cancels_what_members_circles_queued_for_it(client, settings, clock):
    await signed_in_admin(client, settings)
    await admin_post(client, "/admin/federation/trusted", {"trusted_domain": "partner.example"})
    fran = await person(settings, "fran")
    quiet = await circle(settings, "quiet", facilitator=fran, visibility=Visibility.MEMBERS)
    stored = await activity(fran, clock.now())
    stored.circle_id = quiet.id
    await stored.save()
    await enqueue(stored, ["https://partner.example/inbox"], clock.now())
    response = await admin_post(client, "/admin/federation/trusted/remove", {"trusted_domain": "partner.example"})
    page = await follow(client, response)
    assert "partner.example is no longer trusted. 1 queued deliveries were cancelled." in page
    assert [d.state for d in await Delivery.all()] == [QueueState.CANCELLED]
