"""The admin's federation policy: mode and rules are stored canonically, and refused deliveries are cancelled."""

from pathlib import Path

import pytest

from circlefed.domain import federation_policy as fp
from circlefed.errors import BadRequest, NotFound
from circlefed.federation.domain_gate import cancel_refused_deliveries
from circlefed.storage.models import DomainRule
from tests.factories import local_actor
from tests.unit.delivery.support import activity, enqueue, states

pytestmark = pytest.mark.storage

MASTODON_EXPORT = Path(__file__).resolve().parents[2] / "fixtures" / "mastodon" / "domain_blocks.csv"
INBOXES = {
    "evil": "https://evil.example/inbox",
    "sub_evil": "https://sub.evil.example/users/x/inbox",
    "partner": "https://partner.example/inbox",
    "stranger": "https://stranger.example:8443/inbox",
}


class Boom(Exception):
    pass


async def queued(clock) -> dict[str, int]:
    """One pending delivery per inbox of INBOXES; name -> delivery id."""
    stored = await activity(await local_actor(), clock.now())
    await enqueue(stored, INBOXES.values(), clock.now())
    by_inbox = {inbox: delivery_id for delivery_id, inbox in await _inboxes()}
    return {name: by_inbox[inbox] for name, inbox in INBOXES.items()}


async def _inboxes():
    from circlefed.storage.models import Delivery

    return [(d.id, d.inbox_uri) for d in await Delivery.all()]


def cancelled(ids: dict[str, int], found: dict[int, str]) -> set[str]:
    return {name for name, delivery_id in ids.items() if found[delivery_id] == "cancelled"}


async def test_the_mode_is_open_until_set_and_an_unknown_mode_is_refused(db, clock):
    assert await fp.get_mode() == "open"
    await fp.set_mode("allowlist", now=clock.now(), enforce=cancel_refused_deliveries)
    assert await fp.get_mode() == "allowlist" and (await fp.load_policy()).mode == "allowlist"
    await fp.set_mode("closed", now=clock.now(), enforce=cancel_refused_deliveries)
    assert await fp.get_mode() == "closed"
    with pytest.raises(BadRequest, match="invalid federation mode"):
        await fp.set_mode("paranoid", now=clock.now(), enforce=cancel_refused_deliveries)


async def test_rules_are_stored_in_canonical_form_and_replaced_not_duplicated(db, clock):
    # SPEC: PROTOCOL.md attack 7 (one rule whatever the spelling)
    await fp.set_rule("Evil.Example.", "silence", reason=" noisy ", now=clock.now(), enforce=cancel_refused_deliveries)
    await fp.set_rule("evil.example:443", "block", reason="spam", now=clock.now(), enforce=cancel_refused_deliveries)
    rules = [(r.domain, r.action.value, r.reason) for r in await fp.list_rules()]
    assert rules == [("evil.example", "block", "spam")]
    removed = await fp.clear_rule("EVIL.example", now=clock.now(), enforce=cancel_refused_deliveries)
    assert removed.action.value == "block" and await fp.list_rules() == []
    with pytest.raises(NotFound, match=r"no rule for evil\.example"):
        await fp.clear_rule("evil.example", now=clock.now(), enforce=cancel_refused_deliveries)
    with pytest.raises(BadRequest, match="invalid domain action"):
        await fp.set_rule("evil.example", "nuke", now=clock.now(), enforce=cancel_refused_deliveries)


async def test_blocking_a_domain_cancels_its_and_its_subdomains_queued_deliveries_only(db, clock):
    # SPEC: issue 7 (a blocked domain's queued deliveries are cancelled); DESIGN.md delivery states
    ids = await queued(clock)
    await fp.set_rule("evil.example", "block", now=clock.now(), enforce=cancel_refused_deliveries)
    assert cancelled(ids, await states()) == {"evil", "sub_evil"}


async def test_the_cancellation_is_in_the_same_transaction_as_the_rule(db, clock):
    ids = await queued(clock)

    async def cancel_then_fail(policy, now):
        await cancel_refused_deliveries(policy, now)
        raise Boom

    with pytest.raises(Boom):
        await fp.set_rule("evil.example", "block", now=clock.now(), enforce=cancel_then_fail)
    assert await DomainRule.all().count() == 0
    assert cancelled(ids, await states()) == set()


async def test_allowlist_mode_cancels_deliveries_to_unlisted_domains_and_closed_cancels_all(db, clock):
    ids = await queued(clock)
    await fp.set_rule("partner.example", "allow", now=clock.now(), enforce=cancel_refused_deliveries)
    assert cancelled(ids, await states()) == set(), "an allow rule changes nothing in open mode"
    await fp.set_mode("allowlist", now=clock.now(), enforce=cancel_refused_deliveries)
    assert cancelled(ids, await states()) == {"evil", "sub_evil", "stranger"}
    await fp.set_mode("closed", now=clock.now(), enforce=cancel_refused_deliveries)
    assert cancelled(ids, await states()) == set(ids)


async def test_clearing_a_partners_allow_rule_in_allowlist_mode_cancels_its_deliveries(db, clock):
    await fp.set_rule("partner.example", "allow", now=clock.now(), enforce=cancel_refused_deliveries)
    await fp.set_mode("allowlist", now=clock.now(), enforce=cancel_refused_deliveries)
    ids = await queued(clock)
    await fp.clear_rule("partner.example", now=clock.now(), enforce=cancel_refused_deliveries)
    assert "partner" in cancelled(ids, await states())


async def test_import_is_all_or_nothing_and_reports_what_changed(db, clock):
    await fp.set_rule("spam.example", "silence", now=clock.now(), enforce=cancel_refused_deliveries)
    bad = MASTODON_EXPORT.read_text() + "worse.example,obliterate,false,false,,false\n"
    with pytest.raises(BadRequest, match="line 8: unknown severity"):
        await fp.import_rules(bad, now=clock.now(), enforce=cancel_refused_deliveries)
    assert [(r.domain, r.action.value) for r in await fp.list_rules()] == [("spam.example", "silence")]
    report = await fp.import_rules(MASTODON_EXPORT.read_text(), now=clock.now(), enforce=cancel_refused_deliveries)
    assert (report.added, report.updated, report.unchanged, len(report.skipped)) == (3, 1, 0, 2)
    again = await fp.import_rules(MASTODON_EXPORT.read_text(), now=clock.now(), enforce=cancel_refused_deliveries)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


async def test_import_cancels_deliveries_to_newly_blocked_domains(db, clock):
    ids = await queued(clock)
    await fp.import_rules("#domain,#severity\nevil.example,suspend\n", now=clock.now(),
                          enforce=cancel_refused_deliveries)
    assert cancelled(ids, await states()) == {"evil", "sub_evil"}


async def test_export_round_trips_through_import_except_allow_rules(db, clock):
    for domain, action in [("b.example", "block"), ("s.example", "silence"), ("m.example", "reject_media"),
                           ("partner.example", "allow")]:
        await fp.set_rule(domain, action, reason=f"why {domain}", now=clock.now(), enforce=cancel_refused_deliveries)
    text, left_out = await fp.export_rules()
    assert left_out == ["partner.example"]
    before = {(r.domain, r.action.value, r.reason) for r in await fp.list_rules()}
    await DomainRule.all().delete()
    await fp.import_rules(text, now=clock.now(), enforce=cancel_refused_deliveries)
    after = {(r.domain, r.action.value, r.reason) for r in await fp.list_rules()}
    assert after == before - {("partner.example", "allow", "why partner.example")}
