"""Federation: loading the admin's domain rules from the database and asking the gate about a domain."""

from __future__ import annotations

from circlefed.policy.domains import DomainPolicy, normalize_domain
from circlefed.policy.gate import Gate
from circlefed.policy.verdicts import Verdict
from circlefed.storage.models import DomainRule


async def load_domain_policy(mode: str = "open") -> DomainPolicy:
    rules = {normalize_domain(rule.domain): rule.action.value for rule in await DomainRule.all()}
    return DomainPolicy(mode=mode, rules=rules)


async def origin_verdict(domain: str) -> Verdict:
    """The gate's verdict for a remote domain, from the rules as they are now."""
    return Gate(await load_domain_policy()).origin(domain)
