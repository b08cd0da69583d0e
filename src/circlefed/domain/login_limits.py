"""Domain: sign-in limits shared by every process: they slow down guessing without locking an owner out.

Wrong passwords count against the username *from one address* (or from one known device: a browser where the
name signed in before), and against the address for every name. Across all addresses a username gets only a
short, capped wait between attempts, so failures from elsewhere never keep its owner out for long.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from circlefed.errors import TooManyRequests
from circlefed.storage.models import LoginFailure, LoginLockout

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)
MAX_PER_PAIR = 5  # one username from one address, or from one known device
# Higher: several people may share one address (a household, a clinic, a reverse proxy without forwarding).
MAX_PER_ADDRESS = 30
FREE_FAILURES = 5  # failures for a username from everywhere before each new attempt waits
FIRST_WAIT = timedelta(seconds=1)  # doubles with each further failure...
MAX_WAIT = timedelta(seconds=30)  # ...up to this: an attacker elsewhere can delay the owner by this much at most
KEEP_LOCKOUTS = timedelta(days=7)
PAIR, ADDRESS, DEVICE, SLOWED = "pair", "address", "device", "slowed"


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: the username typed, the client's address bucket (address_bucket) and, when the
    browser shows it signed in with this name before, that device's id."""

    username: str
    address: str
    device: str | None = None

    @property
    def name(self) -> str:
        return self.username.lower()

    def limits(self) -> list[tuple[str, str, int]]:
        """(kind, counter key, failures allowed in WINDOW) of the hard limits for this attempt."""
        if self.device:
            return [(DEVICE, f"device:{self.name} {self.device}", MAX_PER_PAIR)]
        pair = (PAIR, f"pair:{self.name} {self.address}", MAX_PER_PAIR)
        return [pair, (ADDRESS, f"addr:{self.address}", MAX_PER_ADDRESS)]

    @property
    def username_key(self) -> str:
        return f"user:{self.name}"


def address_bucket(remote: str | None) -> str:
    """The client's address as counted: IPv4 as is, IPv6 by its /64 (one host owns a whole /64)."""
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


async def check_login_allowed(attempt: Attempt, now: datetime) -> None:
    """TooManyRequests (429, with Retry-After) while this name from this address (or device), or this address,
    has too many recent failures, or while the name's short wait after failures from anywhere is running."""
    for kind, key, limit in attempt.limits():
        wait = await window_wait(key, limit, now)
        if wait:
            log.info("sign-in refused: %d failures (%s limit) in %s", limit, kind, WINDOW)
            raise TooManyRequests(
                f"Too many attempts to sign in. Please wait {minutes_phrase(wait)} and try again.", retry_after=wait
            )
    if attempt.device is None:
        wait = await _username_wait(attempt, now)
        if wait:
            log.info("sign-in slowed: recent failures for the name from several places")
            raise TooManyRequests(
                f"Wrong passwords were tried for this name just now, so each try waits a little. Please wait "
                f"{wait} seconds and try again.",
                retry_after=wait,
            )


async def window_wait(key: str, limit: int, now: datetime) -> int:
    """Seconds until the counter `key` is under `limit` again (its oldest count in WINDOW leaves it), 0 if it is."""
    oldest = await LoginFailure.filter(key=key, failed_at__gt=now - WINDOW).order_by("failed_at").limit(limit)
    return _seconds(oldest[0].failed_at + WINDOW - now) if len(oldest) >= limit else 0


async def _username_wait(attempt: Attempt, now: datetime) -> int:
    failures = LoginFailure.filter(key=attempt.username_key, failed_at__gt=now - WINDOW)
    count = await failures.count()
    if count < FREE_FAILURES:
        return 0
    latest = await failures.order_by("-failed_at").first()
    assert latest is not None
    wait = min(MAX_WAIT, FIRST_WAIT * 2 ** (count - FREE_FAILURES))
    remaining = latest.failed_at + wait - now
    return _seconds(remaining) if remaining.total_seconds() > 0 else 0


async def record_failure(attempt: Attempt, now: datetime) -> None:
    """Count a wrong password; note a lockout for the admins when a limit is reached."""
    keys = [key for _, key, _ in attempt.limits()] + [attempt.username_key]
    await LoginFailure.bulk_create([LoginFailure(key=key, failed_at=now) for key in keys])
    await LoginFailure.filter(failed_at__lt=now - WINDOW).delete()  # old failures no longer count
    for kind, key, limit in [*attempt.limits(), (SLOWED, attempt.username_key, FREE_FAILURES)]:
        if await LoginFailure.filter(key=key, failed_at__gt=now - WINDOW).count() == limit:
            await _note_lockout(attempt, kind, limit, now)


async def _note_lockout(attempt: Attempt, kind: str, failures: int, now: datetime) -> None:
    await LoginLockout.filter(started_at__lt=now - KEEP_LOCKOUTS).delete()
    await LoginLockout.create(
        username="" if kind == ADDRESS else attempt.name,
        kind=kind,
        address="" if kind == SLOWED else attempt.address,
        failures=failures,
        started_at=now,
        until=now + WINDOW,
    )
    log.info("sign-in limit reached: %s after %d failures", kind, failures)


async def clear_failures(attempt: Attempt) -> None:
    """A successful sign-in forgives this name's failures from this address or device (not the address's for
    other names, nor the name's from elsewhere: they may be someone else's)."""
    await LoginFailure.filter(key__in=[key for kind, key, _ in attempt.limits() if kind != ADDRESS]).delete()


async def recent_lockouts(now: datetime) -> list[LoginLockout]:
    """The limits reached in the last KEEP_LOCKOUTS, newest first (at most 100)."""
    return await LoginLockout.filter(started_at__gte=now - KEEP_LOCKOUTS).order_by("-started_at", "-id").limit(100)


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def minutes_phrase(seconds: int) -> str:
    """A wait as a person reads it: "a minute" or "N minutes", rounded up."""
    minutes = math.ceil(seconds / 60)
    return "a minute" if minutes <= 1 else f"{minutes} minutes"
