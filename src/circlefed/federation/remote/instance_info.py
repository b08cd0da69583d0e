"""Federation: the software a remote instance runs, read from its NodeInfo when it is first seen."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from circlefed.clock import Clock
from circlefed.errors import CirclefedError
from circlefed.http_client import HttpResponse
from circlefed.protocol.nodeinfo import parse_nodeinfo_links, parse_software
from circlefed.storage.models import Instance

log = logging.getLogger(__name__)

Fetch = Callable[[str], Awaitable[HttpResponse]]
# An instance whose NodeInfo could not be read is asked again at most this often (per process).
RETRY_SECONDS = 3600.0


class InstanceInfo:
    """Reads NodeInfo through the SSRF-guarded client and keeps the answer on the Instance row."""

    def __init__(self, fetch: Fetch, clock: Clock) -> None:
        self._fetch = fetch
        self._clock = clock
        self._last_try: dict[str, float] = {}

    async def ensure_software(self, instance: Instance, scheme: str) -> None:
        """Fill instance.software when it is unknown (never raises: an unreadable NodeInfo leaves it unknown,
        which members circles treat as untrusted software)."""
        if instance.is_local or instance.software is not None:
            return
        now = self._clock.monotonic()
        last = self._last_try.get(instance.domain)
        if last is not None and now - last < RETRY_SECONDS:
            return
        self._last_try[instance.domain] = now
        try:
            found = await self._read(scheme, instance.domain)
        except (CirclefedError, ValueError) as exc:
            log.info("NodeInfo of %s not read: %s", instance.domain, exc)
            return
        if found is None:
            log.info("NodeInfo of %s names no software", instance.domain)
            return
        instance.software, instance.software_version = found
        await instance.save(update_fields=["software", "software_version", "updated_at"])
        log.info("%s runs %s %s", instance.domain, found[0], found[1] or "")

    async def _read(self, scheme: str, domain: str) -> tuple[str, str | None] | None:
        index = await self._fetch(f"{scheme}://{domain}/.well-known/nodeinfo")
        if index.status != 200:
            return None
        href = parse_nodeinfo_links(index.json(), domain)
        if href is None:
            return None
        document = await self._fetch(href)
        return parse_software(document.json()) if document.status == 200 else None
