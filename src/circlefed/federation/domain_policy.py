"""Federation: the admin's domain rules from the database, cached briefly, and the gate's verdicts on them."""

from __future__ import annotations

from circlefed.clock import Clock
from circlefed.federation.caches import TtlCache
from circlefed.policy.domains import DomainPolicy, normalize_domain
from circlefed.policy.gate import Gate
from circlefed.policy.verdicts import Verdict
from circlefed.storage.models import DomainRule

# Rules changed by another process (the CLI) apply within this many seconds; this process applies its own at once.
POLICY_TTL_SECONDS = 2.0


async def load_domain_policy(mode: str = "open") -> DomainPolicy:
    rules = {normalize_domain(rule.domain): rule.action.value for rule in await DomainRule.all()}
    return DomainPolicy(mode=mode, rules=rules)


class DomainGate:
    """The gate's verdicts on domains, from rules cached for POLICY_TTL_SECONDS."""

    def __init__(self, clock: Clock) -> None:
        self._cache = TtlCache[str, Gate](clock, POLICY_TTL_SECONDS, max_size=1)

    async def gate(self) -> Gate:
        gate = self._cache.get("gate")
        if gate is None:
            gate = Gate(await load_domain_policy())
            self._cache.put("gate", gate)
        return gate

    async def origin(self, domain: str) -> Verdict:
        return (await self.gate()).origin(domain)

    def invalidate(self) -> None:
        """Call after changing rules so that this process applies them immediately."""
        self._cache.clear()
