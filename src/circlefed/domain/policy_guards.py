"""Domain: settings that contradict each other: a trusted partner blocked, or missing from the allowlist.

The federation policy (mode, domain rules) decides whether a partner is reached at all; the confidentiality
policy (trusted instances) only which of the reachable ones members circles may use. When the two disagree the
stricter wins, silently, unless the admin is told: every change to either says what now conflicts, and the
federation page lists it for as long as it lasts."""

from __future__ import annotations

from circlefed.domain.federation_policy import load_policy
from circlefed.policy.domains import ALLOWLIST, BLOCK, CLOSED, LISTED_ACTIONS
from circlefed.storage.models import TrustedInstance


async def policy_conflicts() -> list[str]:
    """One sentence per trusted instance that the federation policy keeps out, naming both settings."""
    policy = await load_policy()
    conflicts = []
    for trusted in await TrustedInstance.all().order_by("domain"):
        action = policy.action_for(trusted.domain)
        if action == BLOCK:
            conflicts.append(
                f"{trusted.domain} is a trusted partner but its domain is blocked: the block wins and members "
                "circles reach nothing there. Remove the block rule or stop trusting it"
            )
        elif policy.mode == ALLOWLIST and action not in LISTED_ACTIONS:
            conflicts.append(
                f"{trusted.domain} is a trusted partner but not on the allowlist (federation mode allowlist): "
                "members circles cannot reach it. Add an allow rule for it"
            )
        elif policy.mode == CLOSED:
            conflicts.append(
                f"{trusted.domain} is a trusted partner but federation is closed: nothing reaches it"
            )
    return conflicts
