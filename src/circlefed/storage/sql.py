"""Storage: bind-parameter placeholders for the few hand-written SQL statements ($n on PostgreSQL, ? on SQLite)."""

from __future__ import annotations


def placeholder(dialect: str, n: int) -> str:
    """The placeholder of a statement's n-th value (from 1) on the connection's dialect."""
    return f"${n}" if dialect == "postgres" else "?"


def placeholders(dialect: str, count: int) -> list[str]:
    """The placeholders of a statement's first `count` values, in order."""
    return [placeholder(dialect, n) for n in range(1, count + 1)]
