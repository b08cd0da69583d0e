"""Domain: the moderation log written out for people: CSV or JSON rows, the same from the CLI and the admin page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import UTC

from circlefed.storage.models import ModerationLogEntry

LOG_FIELDS = ["time", "circle", "moderator", "action", "target", "reason"]
FORMATS = ("csv", "json")


def log_rows(entries: Iterable[ModerationLogEntry]) -> list[dict]:
    """One row per entry (moderator and circle prefetched): UTC ISO 8601 time, circle slug, moderator id."""
    return [
        {
            "time": entry.created_at.astimezone(UTC).isoformat(),
            "circle": entry.circle.slug if entry.circle else "",
            "moderator": entry.moderator.uri,
            "action": entry.action,
            "target": entry.target_uri,
            "reason": entry.reason,
        }
        for entry in entries
    ]


def render_log(rows: list[dict], output: str) -> str:
    """The rows as CSV (a header line first) or as a JSON array."""
    if output == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LOG_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
