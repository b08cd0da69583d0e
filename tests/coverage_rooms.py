"""Suite: the coverage of `make test` per room (package under src/circlefed/) and in total, from `coverage json`.

    python -m tests.coverage_rooms test-artifacts/coverage/coverage.json [--require-every-module]

Prints one line per room (statements and branches together, as coverage's own total counts them) and lists the
modules that no test reached at all; with --require-every-module (a full run) such a module fails the run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePath

ROOT_MODULES = "(root modules)"


@dataclass
class Tally:
    statements: int = 0
    covered_statements: int = 0
    branches: int = 0
    covered_branches: int = 0

    def add(self, summary: dict) -> None:
        self.statements += summary["num_statements"]
        self.covered_statements += summary["covered_lines"]
        self.branches += summary.get("num_branches", 0)
        self.covered_branches += summary.get("covered_branches", 0)

    @property
    def percent(self) -> float:
        total = self.statements + self.branches
        return 100.0 if total == 0 else 100.0 * (self.covered_statements + self.covered_branches) / total


def room_of(path: str) -> str:
    """`web` for src/circlefed/web/ui/x.py, `migrations` for migrations/0001.py, the root modules together."""
    parts = PurePath(path).parts
    if "circlefed" in parts:
        below = parts[len(parts) - 1 - parts[::-1].index("circlefed") + 1 :]
        return below[0] if len(below) > 1 else ROOT_MODULES
    return parts[-2] if len(parts) > 1 else ROOT_MODULES


def module_name(path: str) -> str:
    parts = PurePath(path).parts
    if "circlefed" in parts:
        return "/".join(parts[len(parts) - 1 - parts[::-1].index("circlefed") :])
    return "/".join(parts[-2:])


def summarise(report: dict) -> tuple[dict[str, Tally], Tally, list[str]]:
    """Per-room tallies, the total, and the modules with statements of which none ran."""
    rooms: dict[str, Tally] = {}
    total = Tally()
    unreached = []
    for path, data in sorted(report["files"].items()):
        summary = data["summary"]
        rooms.setdefault(room_of(path), Tally()).add(summary)
        total.add(summary)
        if summary["num_statements"] and not summary["covered_lines"]:
            unreached.append(module_name(path))
    return rooms, total, unreached


def floor() -> float:
    """fail_under of pyproject.toml's [tool.coverage.report]: the floor of the total on a full run."""
    with open(Path(__file__).resolve().parents[1] / "pyproject.toml", "rb") as handle:
        return float(tomllib.load(handle)["tool"]["coverage"]["report"].get("fail_under", 0))


def lines(rooms: dict[str, Tally], total: Tally, unreached: list[str], every_module: bool) -> list[str]:
    measured = {name: tally for name, tally in rooms.items() if tally.statements}
    width = max(len(name) for name in measured)
    out = ["coverage by room (statements and branches together, lowest first):"]
    for name, tally in sorted(measured.items(), key=lambda item: item[1].percent):
        out.append(
            f"  {name.ljust(width)} {tally.percent:5.1f}%  ({tally.statements} statements, {tally.branches} branches)"
        )
    out.append(
        f"coverage total: {total.percent:.1f}% ({total.covered_statements}/{total.statements} statements, "
        f"{total.covered_branches}/{total.branches} branches); floor on a full run: {floor():.1f}% "
        "(pyproject.toml fail_under: raise it as the figure rises, never lower it)"
    )
    if every_module:
        out.append("coverage: modules no test reached: " + (", ".join(unreached) if unreached else "none"))
    else:
        out.append(f"coverage: {len(unreached)} modules not reached by this selection")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", help="the file `coverage json` wrote")
    parser.add_argument("--require-every-module", action="store_true", help="fail when a module was never reached")
    args = parser.parse_args(argv)
    with open(args.report, encoding="utf-8") as handle:
        rooms, total, unreached = summarise(json.load(handle))
    print("\n".join(lines(rooms, total, unreached, args.require_every_module)))
    if unreached and args.require_every_module:
        print(f"coverage: FAILED: {len(unreached)} module(s) reached by no test (list above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
