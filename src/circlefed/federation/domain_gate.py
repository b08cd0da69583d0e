"""Federation: the domain gate: the admin's domain rules from the database, cached briefly, and enforced on the
queues when a rule changes (not to be confused with domain/federation_policy.py, the rules themselves)."""

from __future__ import annotations

import logging
from datetime import datetime

from circlefed.clock import Clock
from circlefed.delivery.queue import cancel_for_domain
from circlefed.delivery.states import CLAIMABLE
from circlefed.domain.federation_policy import load_policy
from circlefed.federation.caches import TtlCache
from circlefed.policy.domains import DomainPolicy, outbound_verdict
from circlefed.policy.gate import Gate
from circlefed.policy.verdicts import Reject, Verdict
from circlefed.storage.models import Delivery

log = logging.getLogger(__name__)

# Rules changed by another process (the CLI) apply within this many seconds; this process applies its own at once.
POLICY_TTL_SECONDS = 2.0


class DomainGate:
    """The gate's verdicts on domains, from the mode and rules cached for POLICY_TTL_SECONDS."""

    def __init__(self, clock: Clock) -> None:
        self._cache = TtlCache[str, Gate](clock, POLICY_TTL_SECONDS, max_size=1)

    async def gate(self) -> Gate:
        gate = self._cache.get("gate")
        if gate is None:
            gate = Gate(await load_policy())
            self._cache.put("gate", gate)
        return gate

    async def origin(self, domain: str) -> Verdict:
        return (await self.gate()).origin(domain)

    async def destination(self, domain: str) -> Verdict:
        return (await self.gate()).destination(domain)

    async def fetch(self, signer_domain: str | None, *, is_instance_actor: bool, is_discovery: bool) -> Verdict:
        return (await self.gate()).fetch(signer_domain, is_instance_actor=is_instance_actor, is_discovery=is_discovery)

    async def content(self, domain: str) -> Verdict:
        return (await self.gate()).content(domain)

    async def media(self, domain: str) -> Verdict:
        return (await self.gate()).media(domain)

    def invalidate(self) -> None:
        """Call after changing rules so that this process applies them immediately."""
        self._cache.clear()


async def cancel_refused_deliveries(policy: DomainPolicy, now: datetime) -> int:
    """Cancel queued deliveries to every domain the policy refuses (blocked, off the allowlist, or all when
    closed); run inside the transaction that changed the policy. Rows already in flight are not recalled."""
    queued = await Delivery.filter(state__in=list(CLAIMABLE)).distinct().values_list("domain", flat=True)
    cancelled = 0
    for domain in sorted(set(queued)):
        verdict = outbound_verdict(policy, domain)
        if isinstance(verdict, Reject):
            count = await cancel_for_domain(domain, now=now)
            log.info("cancelled %d queued deliveries to %s: %s", count, domain, verdict.reason)
            cancelled += count
    return cancelled


class CancelRefused:
    """The `enforce` step the CLI and the admin pages hand to domain/federation_policy.py's changes:
    cancel_refused_deliveries in the change's transaction, counting what it cancelled for the message."""

    def __init__(self) -> None:
        self.cancelled = 0

    async def __call__(self, policy: DomainPolicy, now: datetime) -> None:
        self.cancelled += await cancel_refused_deliveries(policy, now)
