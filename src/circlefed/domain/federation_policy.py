"""Domain: the admin's federation policy: the mode, per-domain rules, and Mastodon CSV import and export."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.domain.instance_policy import read_instance_policy, update_instance_policy
from circlefed.errors import BadRequest, NotFound
from circlefed.policy.blocklist_csv import ParsedBlocklist, parse_blocklist, render_blocklist
from circlefed.policy.domains import DomainPolicy, check_action, check_mode, normalize_domain
from circlefed.storage.models import DomainAction, DomainRule, FederationMode

log = logging.getLogger(__name__)

# Applies a changed policy to what is already queued (the delivery room cancels refused deliveries). The domain
# room cannot import delivery, so the caller hands this step in; it runs inside the transaction of the change.
Enforce = Callable[[DomainPolicy, datetime], Awaitable[object]]
MAX_REASON_CHARS = 1000


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    unchanged: int
    skipped: tuple[str, ...]


async def get_mode() -> str:
    return (await read_instance_policy()).federation_mode.value


async def load_policy() -> DomainPolicy:
    """The mode and every rule, keyed by canonical domain (a malformed stored rule is skipped and logged)."""
    rules: dict[str, str] = {}
    for rule in await DomainRule.all():
        try:
            rules[normalize_domain(rule.domain)] = rule.action.value
        except BadRequest as exc:
            log.warning("ignoring the domain rule for %r: %s", rule.domain, exc)
    return DomainPolicy(mode=await get_mode(), rules=rules)


async def list_rules() -> list[DomainRule]:
    return await DomainRule.all().order_by("domain")


async def set_mode(mode: str, *, now: datetime, enforce: Enforce) -> DomainPolicy:
    """open, allowlist or closed; queued deliveries the new mode refuses are cancelled in the same transaction."""
    check_mode(mode)
    async with in_transaction():
        await update_instance_policy(federation_mode=FederationMode(mode))
        return await _enforce(enforce, now)


@dataclass(frozen=True)
class RuleChange:
    """A rule as set, and the one it replaced (None: the domain had none)."""

    rule: DomainRule
    replaced: tuple[str, str] | None  # (action, reason)

    def replaced_text(self) -> str:
        if self.replaced is None or self.replaced[0] == self.rule.action.value:
            return ""
        action, reason = self.replaced
        return f"replaced its earlier rule: {action.replace('_', ' ')}" + (f" ({reason})" if reason else "")


async def set_rule(domain: str, action: str, *, reason: str = "", now: datetime, enforce: Enforce) -> RuleChange:
    """Give a domain (and its subdomains) a rule, replacing any it had (whose reason stays unless a new one is
    given: a reason is the admin's memory of why); blocking it cancels its queued deliveries."""
    domain, action, reason = normalize_domain(domain), check_action(action), _check_reason(reason)
    async with in_transaction():
        before = await DomainRule.get_or_none(domain=domain)
        replaced = (before.action.value, before.reason) if before is not None else None
        reason = reason or (before.reason if before is not None else "")
        rule, _ = await DomainRule.update_or_create(
            defaults={"action": DomainAction(action), "reason": reason}, domain=domain
        )
        await _enforce(enforce, now)
    log.info("domain rule: %s is now %s (%s)", domain, action, reason or "no reason given")
    return RuleChange(rule, replaced)


async def clear_rule(domain: str, *, now: datetime, enforce: Enforce) -> DomainRule:
    """Remove a domain's rule (in allowlist mode this takes it off the list); returns the removed rule."""
    domain = normalize_domain(domain)
    async with in_transaction():
        rule = await DomainRule.get_or_none(domain=domain)
        if rule is None:
            raise NotFound(f"no rule for {domain}")
        await rule.delete()
        await _enforce(enforce, now)
    log.info("domain rule for %s cleared (was %s)", domain, rule.action.value)
    return rule


async def import_rules(text: str, *, now: datetime, enforce: Enforce) -> ImportReport:
    """Rules from a Mastodon domain-block CSV, all or nothing; each listed domain's rule is replaced."""
    parsed: ParsedBlocklist = parse_blocklist(text)
    added = updated = unchanged = 0
    async with in_transaction():
        existing = {rule.domain: rule for rule in await DomainRule.filter(domain__in=[r.domain for r in parsed.rules])}
        for imported in parsed.rules:
            reason = _check_reason(imported.reason)
            rule = existing.get(imported.domain)
            if rule is None:
                await DomainRule.create(domain=imported.domain, action=DomainAction(imported.action), reason=reason)
                added += 1
            elif (rule.action.value, rule.reason) == (imported.action, reason):
                unchanged += 1
            else:
                rule.action, rule.reason = DomainAction(imported.action), reason
                await rule.save(update_fields=["action", "reason", "updated_at"])
                updated += 1
        await _enforce(enforce, now)
    log.info("imported domain rules: %d added, %d updated, %d unchanged", added, updated, unchanged)
    return ImportReport(added, updated, unchanged, parsed.skipped)


async def export_rules() -> tuple[str, list[str]]:
    """The rules as a Mastodon domain-block CSV, and the allowed domains it cannot carry (Mastodon has no
    severity for them)."""
    rules = await list_rules()
    text = render_blocklist((rule.domain, rule.action.value, rule.reason) for rule in rules)
    return text, [rule.domain for rule in rules if rule.action is DomainAction.ALLOW]


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_CHARS:
        raise BadRequest(f"the reason is longer than {MAX_REASON_CHARS} characters")
    return reason


async def _enforce(enforce: Enforce, now: datetime) -> DomainPolicy:
    policy = await load_policy()
    await enforce(policy, now)
    return policy
