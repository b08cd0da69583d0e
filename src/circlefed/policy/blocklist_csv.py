"""Policy: Mastodon's domain-block CSV format, read into domain rules and written from them (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from circlefed.errors import BadRequest
from circlefed.policy.domains import BLOCK, REJECT_MEDIA, SILENCE, normalize_domain

# The header Mastodon (4.1+) writes in Administration > Federation > Export.
COLUMNS = ("#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment", "#obfuscate")
SEVERITY_TO_ACTION = {"suspend": BLOCK, "silence": SILENCE}
ACTION_TO_SEVERITY = {BLOCK: "suspend", SILENCE: "silence", REJECT_MEDIA: "noop"}
MAX_ROWS = 100_000


@dataclass(frozen=True)
class ImportedRule:
    domain: str
    action: str
    reason: str


@dataclass(frozen=True)
class ParsedBlocklist:
    """The rules a file asks for, and the lines left out (with why) that are not errors."""

    rules: tuple[ImportedRule, ...]
    skipped: tuple[str, ...]


def parse_blocklist(text: str) -> ParsedBlocklist:
    """Rules from a Mastodon domain-block CSV; BadRequest naming the line of the first malformed row.

    suspend → block, silence → silence (one action per domain: its reject_media flag is implied by neither),
    noop with reject_media → reject_media; noop without it and obfuscated (`*`) domains are skipped."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in next(reader, [])]
    columns = {name.lstrip("#"): index for index, name in enumerate(header)}
    if "domain" not in columns:
        raise BadRequest(f"not a Mastodon domain-block CSV: the first line must be the header {','.join(COLUMNS)}")
    rules: dict[str, ImportedRule] = {}
    skipped: list[str] = []
    for row in reader:
        if reader.line_num > MAX_ROWS:
            raise BadRequest(f"the file has more than {MAX_ROWS} rows")
        if not any(cell.strip() for cell in row):
            continue
        rule, why = _parse_row(row, columns, reader.line_num)
        if rule is None:
            skipped.append(f"line {reader.line_num}: {why}")
        else:
            rules[rule.domain] = rule
    return ParsedBlocklist(tuple(rules.values()), tuple(skipped))


def _parse_row(row: list[str], columns: dict[str, int], line: int) -> tuple[ImportedRule | None, str]:
    def cell(name: str, default: str = "") -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else default

    raw_domain = cell("domain")
    if "*" in raw_domain:
        return None, f"{raw_domain} is obfuscated"
    try:
        domain = normalize_domain(raw_domain)
    except BadRequest as exc:
        raise BadRequest(f"line {line}: {exc}") from None
    severity = cell("severity", "suspend").lower()
    reject_media = _flag(cell("reject_media", "false"), line)
    if severity == "noop":
        if not reject_media:
            return None, f"{domain} has severity noop and no reject_media"
        return ImportedRule(domain, REJECT_MEDIA, cell("public_comment")), ""
    if severity not in SEVERITY_TO_ACTION:
        raise BadRequest(f"line {line}: unknown severity {severity!r} (suspend, silence or noop)")
    return ImportedRule(domain, SEVERITY_TO_ACTION[severity], cell("public_comment")), ""


def _flag(value: str, line: int) -> bool:
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no", ""):
        return False
    raise BadRequest(f"line {line}: {value!r} is not true or false")


def render_blocklist(rules: Iterable[tuple[str, str, str]]) -> str:
    """A Mastodon domain-block CSV of (domain, action, reason) rules; allow rules have no Mastodon severity."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for domain, action, reason in sorted(rules):
        if action in ACTION_TO_SEVERITY:
            reject_media = "true" if action in (BLOCK, REJECT_MEDIA) else "false"
            writer.writerow([domain, ACTION_TO_SEVERITY[action], reject_media, "false", reason, "false"])
    return out.getvalue()
