"""Domain: the facts about this instance that domain services need (its URLs, domain and name)."""

from __future__ import annotations

from dataclasses import dataclass

from circlefed.protocol.uris import Uris


@dataclass(frozen=True)
class Site:
    uris: Uris
    domain: str
    name: str

    @classmethod
    def for_base_url(cls, base_url: str, domain: str, name: str) -> Site:
        return cls(uris=Uris(base_url), domain=domain, name=name)
