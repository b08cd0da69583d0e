"""Policy: the typed verdicts every policy returns (never a bare bool)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Allow:
    pass


@dataclass(frozen=True)
class Reject:
    reason: str
    status: int = 403


@dataclass(frozen=True)
class Hold:
    reason: str


Verdict = Allow | Reject | Hold
ALLOW = Allow()
