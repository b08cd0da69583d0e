"""Bench: every figure of a run, printed as one table and kept in bench/results.json so that runs can be compared.

Each benchmark calls `record` for its figures; `python -m tests.bench` saves them (replacing the same figures
of an earlier run in the file, keeping the others), and `python -m tests.bench.results` prints the file."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results.json"
_records: list[dict] = []


def record(
    benchmark: str, store: str, figure: str, value: float, unit: str, *, ratio: float | None = None,
    target: str = "",
) -> None:
    """One figure; `ratio` is the figure compared with its baseline measured in the same run, `target` its goal
    written as ">= 0.7" or "<= 2" (checked against the ratio)."""
    met = None
    if target and ratio is not None:
        sign, bound = target.split()
        met = ratio >= float(bound) if sign == ">=" else ratio <= float(bound)
    _records.append({
        "benchmark": benchmark, "store": store, "figure": figure, "value": round(value, 3), "unit": unit,
        "ratio": None if ratio is None else round(ratio, 3), "target": target, "met": met,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    })


def _key(figure: dict) -> tuple[str, str, str]:
    return figure["benchmark"], figure["store"], figure["figure"]


def save() -> None:
    if not _records:
        return
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"figures": []}
    replaced = {_key(r) for r in _records}
    figures = [f for f in existing["figures"] if _key(f) not in replaced] + _records
    machine = {"cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine, "figures": figures}, indent=1) + "\n")
    _records.clear()


def table(figures: list[dict]) -> str:
    rows = [("benchmark", "store", "figure", "value", "ratio", "target", "met")]
    for f in figures:
        met = "" if f["met"] is None else ("yes" if f["met"] else "NO")
        ratio = "" if f["ratio"] is None else f"{f['ratio']:.2f}"
        rows.append((f["benchmark"], f["store"], f["figure"], f"{f['value']:g} {f['unit']}", ratio, f["target"], met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def main() -> int:
    if not RESULTS.exists():
        print(f"no results yet: `make bench` writes {RESULTS}", file=sys.stderr)
        return 1
    print(table(json.loads(RESULTS.read_text())["figures"]))
    print(f"(in {RESULTS})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
