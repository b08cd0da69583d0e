"""Domain: sign-in rate limits shared by every process: failures counted per username and per client address."""

from __future__ import annotations

import ipaddress
import logging
import math
from datetime import datetime, timedelta

from circlefed.errors import TooManyRequests
from circlefed.storage.models import LoginFailure

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
# Higher: several people may share one address (a household, a clinic, a reverse proxy without forwarding).
MAX_FAILURES_PER_ADDRESS = 30


def address_bucket(remote: str | None) -> str:
    """The client's address as counted: IPv4 as is, IPv6 by its /64 (one host owns a whole /64)."""
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _keys(username: str, bucket: str) -> list[tuple[str, int]]:
    return [(f"user:{username.lower()}", MAX_FAILURES_PER_USERNAME), (f"addr:{bucket}", MAX_FAILURES_PER_ADDRESS)]


async def check_login_allowed(username: str, bucket: str, now: datetime) -> None:
    """TooManyRequests (429, with Retry-After) while the username or the address has too many recent failures."""
    since = now - WINDOW
    for key, limit in _keys(username, bucket):
        recent = await LoginFailure.filter(key=key, failed_at__gt=since).order_by("failed_at").limit(limit)
        if len(recent) >= limit:
            free_at = recent[0].failed_at + WINDOW
            wait = max(1, math.ceil((free_at - now).total_seconds()))
            log.info("sign-in refused for %s: %d failures in %s", key.split(":")[0], limit, WINDOW)
            raise TooManyRequests(
                f"Too many attempts to sign in. Please wait {_minutes(wait)} and try again.", retry_after=wait
            )


async def record_failure(username: str, bucket: str, now: datetime) -> None:
    await LoginFailure.bulk_create([LoginFailure(key=key, failed_at=now) for key, _ in _keys(username, bucket)])
    await LoginFailure.filter(failed_at__lt=now - WINDOW).delete()  # old failures no longer count


async def clear_failures(username: str) -> None:
    """A successful sign-in forgives the username's failures (not the address's)."""
    await LoginFailure.filter(key=f"user:{username.lower()}").delete()


def _minutes(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return "a minute" if minutes <= 1 else f"{minutes} minutes"
