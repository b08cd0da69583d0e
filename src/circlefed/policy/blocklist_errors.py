"""Policy: every malformed line of a Mastodon domain-block CSV (parse_blocklist stops at the first one)."""

from __future__ import annotations

import csv
import io

from circlefed.errors import BadRequest
from circlefed.policy.blocklist_csv import MAX_ROWS, _parse_row, parse_blocklist


def blocklist_errors(text: str, *, limit: int = 100) -> list[str]:
    """Up to `limit` messages, each naming its line, for an admin to fix the file in one go; [] if it parses."""
    try:
        parse_blocklist(text)
    except BadRequest as exc:
        first = str(exc)
    else:
        return []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in next(reader, [])]
    columns = {name.lstrip("#"): index for index, name in enumerate(header)}
    if "domain" not in columns or reader.line_num > MAX_ROWS:
        return [first]
    errors: list[str] = []
    for row in reader:
        if len(errors) >= limit or reader.line_num > MAX_ROWS:
            break
        if not any(cell.strip() for cell in row):
            continue
        try:
            _parse_row(row, columns, reader.line_num)  # the same checks as the import itself
        except BadRequest as exc:
            errors.append(str(exc))
    return errors or [first]
