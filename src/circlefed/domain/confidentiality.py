"""Domain: the confidentiality policy (trusted instances, names, software) and circle visibility and retention."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from circlefed.domain.circles import group_uri
from circlefed.domain.events import VisibilityChanged
from circlefed.domain.instance_policy import read_instance_policy, update_instance_policy
from circlefed.domain.memberships import can_moderate, is_local_admin
from circlefed.errors import BadRequest, Forbidden, NotFound
from circlefed.netguard import Allowlist, parse_address
from circlefed.policy.confidentiality import (
    ConfidentialityPolicy,
    check_retention_days,
    visibility_change_verdict,
)
from circlefed.policy.domains import normalize_domain
from circlefed.policy.verdicts import Reject
from circlefed.storage.models import Actor, Circle, Instance, TrustedInstance, Visibility

log = logging.getLogger(__name__)
MAX_NOTE_CHARS = 1000


async def load_confidentiality_policy() -> ConfidentialityPolicy:
    row = await read_instance_policy()
    trusted = frozenset(await TrustedInstance.all().values_list("domain", flat=True))
    return ConfidentialityPolicy(
        trusted_domains=trusted,
        share_real_names=row.share_real_names,
        members_to_untrusted_software=row.members_circles_to_untrusted_software,
    )


async def set_share_real_names(value: bool) -> None:
    """Whether other instances see members' own names, or per-circle pseudonyms (the default)."""
    await update_instance_policy(share_real_names=value)
    log.info("confidentiality: share_real_names is now %s", value)


async def set_members_to_untrusted_software(value: bool) -> None:
    """Whether members circles may reach trusted instances running software that does not honour privacy."""
    await update_instance_policy(members_circles_to_untrusted_software=value)
    log.info("confidentiality: members circles to untrusted software is now %s", value)


async def trust_instance(domain: str, *, note: str = "", addresses: Allowlist | None = None) -> TrustedInstance:
    """A partner instance that members circles may federate to (when it also hosts an approved member).
    `addresses`: federation.private_address_allowlist, the only IP-literal hosts this instance talks to."""
    domain, note = normalize_domain(domain), (note or "").strip()
    _refuse_unreachable_address(domain, addresses or Allowlist())
    if len(note) > MAX_NOTE_CHARS:
        raise BadRequest(f"the note is longer than {MAX_NOTE_CHARS} characters")
    row, _ = await TrustedInstance.update_or_create(defaults={"note": note}, domain=domain)
    log.info("confidentiality: %s is now a trusted instance", domain)
    return row


def _refuse_unreachable_address(domain: str, addresses: Allowlist) -> None:
    host = domain.rsplit(":", 1)[0] if domain.count(":") == 1 else domain
    address = parse_address(host.strip("[]"))
    if address is not None and not addresses.allows_address(address):
        raise BadRequest(
            f"{domain} is an IP address, and this instance federates with no IP-literal host outside the setting "
            "federation.private_address_allowlist: trusting it would reach nothing. Trust the partner by its "
            "domain name (the one in its members' handles)"
        )


async def distrust_instance(domain: str) -> TrustedInstance:
    """Stop federating members circles to a domain (queued deliveries are left to the caller to cancel)."""
    domain = normalize_domain(domain)
    row = await TrustedInstance.get_or_none(domain=domain)
    if row is None:
        raise NotFound(f"{domain} is not a trusted instance")
    await row.delete()
    log.info("confidentiality: %s is no longer a trusted instance", domain)
    return row


async def list_trusted() -> list[TrustedInstance]:
    return await TrustedInstance.all().order_by("domain")


async def list_trusted_with_software() -> list[tuple[TrustedInstance, str | None]]:
    """Trusted instances by domain, each with the software its NodeInfo named (None while unknown)."""
    rows = await list_trusted()
    if not rows:
        return []
    known = await Instance.filter(domain__in=[row.domain for row in rows]).values_list("domain", "software")
    software = dict(known)
    return [(row, software.get(row.domain) or None) for row in rows]


async def set_visibility(
    circle: Circle, level: str, *, by: Actor | None, facilitator_choices: Iterable[str]
) -> VisibilityChanged | None:
    """Change a local circle's visibility. by=None is the admin at the command line; an actor must moderate the
    circle, and a facilitator who is not an admin may choose only the levels the admin's settings allow."""
    if not circle.is_local:
        raise BadRequest("only circles hosted here have a visibility to set")
    by_admin = by is None or await is_local_admin(by)
    if by is not None and not await can_moderate(circle, by):
        raise Forbidden("only the circle's facilitators or an admin of this instance can change its visibility")
    verdict = visibility_change_verdict(level, by_admin=by_admin, facilitator_choices=facilitator_choices)
    if isinstance(verdict, Reject):
        raise BadRequest(verdict.reason) if verdict.status == 400 else Forbidden(verdict.reason)
    before, after = circle.visibility, Visibility(level)
    if before is after:
        return None
    circle.visibility = after
    fields = ["visibility", "updated_at"]
    if after is not Visibility.PUBLIC and not circle.requires_approval:
        circle.requires_approval = True  # members and local circles always approve joins
        fields.append("requires_approval")
    await circle.save(update_fields=fields)
    log.info("circle %s: visibility %s -> %s", circle.id, before.value, after.value)
    return VisibilityChanged(circle, by, await group_uri(circle), before, after)


async def set_retention(circle: Circle, days: int | None) -> Circle:
    """Posts of the circle older than `days` are deleted here and at every instance that received them."""
    if not circle.is_local:
        raise BadRequest("only circles hosted here have a retention period")
    circle.retention_days = check_retention_days(days)
    await circle.save(update_fields=["retention_days", "updated_at"])
    log.info("circle %s: retention %s", circle.slug, f"{days} days" if days is not None else "none")
    return circle


def parse_retention(text: str) -> int | None:
    """`none` or a whole number of days."""
    text = text.strip().lower()
    if text in ("none", "off", "keep"):
        return None
    if not text.isdigit():
        raise BadRequest(f"retention must be a number of days or 'none', got {text!r}")
    return check_retention_days(int(text))


def parse_switch(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("on", "yes", "true", "1"):
        return True
    if lowered in ("off", "no", "false", "0"):
        return False
    raise BadRequest(f"expected on or off, got {text!r}")
