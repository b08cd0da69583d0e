"""Domain: the facts about this instance that domain services need (its URLs, domain, name, safety settings)."""

from __future__ import annotations

from dataclasses import dataclass, field

from circlefed.domain.safety import Safety
from circlefed.protocol.uris import Uris


@dataclass(frozen=True)
class Site:
    uris: Uris
    domain: str
    name: str
    safety: Safety = field(default_factory=Safety)

    @classmethod
    def for_base_url(cls, base_url: str, domain: str, name: str, *, safety: Safety | None = None) -> Site:
        return cls(uris=Uris(base_url), domain=domain, name=name, safety=safety or Safety())
