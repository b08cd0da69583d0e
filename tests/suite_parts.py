"""Suite: which parts of the suite ran (SQLite, PostgreSQL, interop, browser), and a strict mode for `make test`.

A pytest plugin (tests/conftest.py loads it) and a command that adds up what the pytest processes of one
`make test` wrote:

    python -m tests.suite_parts test-artifacts/parts-*.json [--expect-every-part]

Parts: `browser` (tests/browser), `interop` (marked interop), `postgres` (the PostgreSQL variant of a storage
test), `deploy` (tests/deploy: the deploy files checked with nginx and systemd-analyze), `sqlite` (everything
else: SQLite variants and tests without a database).

Strict mode (CIRCLEFED_TEST_STRICT=1, set by `make test` and so by .ci/run): a part that cannot run fails the run
instead of vanishing. A skipped test fails, and PostgreSQL must be configured (CIRCLEFED_TEST_DATABASE_URL).
A developer without Chromium, the interop environment or PostgreSQL names what to leave out, and every run says
so: CIRCLEFED_TEST_OPT_OUT=browser,interop,postgres,deploy (any of them). Tests of a part opted out are deselected.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

STRICT_ENV = "CIRCLEFED_TEST_STRICT"
OPT_OUT_ENV = "CIRCLEFED_TEST_OPT_OUT"
PARTS_FILE_ENV = "CIRCLEFED_TEST_PARTS_FILE"
DATABASE_ENV = "CIRCLEFED_TEST_DATABASE_URL"
PARTS = ("sqlite", "postgres", "interop", "browser", "deploy")
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL", "interop": "interop", "browser": "browser", "deploy": "deploy"}
OPTIONAL = ("postgres", "interop", "browser", "deploy")  # the parts that need something beyond Python


def is_strict() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def opted_out() -> frozenset[str]:
    """The parts named in CIRCLEFED_TEST_OPT_OUT; a name that is not a part is a usage error, not ignored."""
    names = {name.strip().lower() for name in os.environ.get(OPT_OUT_ENV, "").split(",") if name.strip()}
    unknown = names - set(OPTIONAL)
    if unknown:
        raise pytest.UsageError(
            f"{OPT_OUT_ENV} names {', '.join(sorted(unknown))}: only {', '.join(OPTIONAL)} can be left out"
        )
    return frozenset(names)


def part_of(item: pytest.Item) -> str:
    if item.get_closest_marker("browser") or "tests/browser/" in item.nodeid:
        return "browser"
    if "tests/deploy/" in item.nodeid:
        return "deploy"
    if item.get_closest_marker("interop"):
        return "interop"
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("db_backend") == "postgres":
        return "postgres"
    return "sqlite"


class PartsPlugin:
    """Counts each test's outcome by part; deselects parts opted out; in strict mode a skip is a failure."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.strict = is_strict()
        self.opted_out = opted_out()
        self.outcomes: dict[str, tuple[str, str]] = {}  # nodeid -> (part, passed|failed|skipped)
        self.deselected: Counter[str] = Counter()
        if self.strict and not os.environ.get(DATABASE_ENV) and "postgres" not in self.opted_out:
            raise pytest.UsageError(
                f"strict run ({STRICT_ENV}=1): the PostgreSQL variants cannot run because {DATABASE_ENV} is not "
                f"set. Set it (e.g. postgres://postgres@127.0.0.1:5432/test), or leave them out on purpose: "
                f"{OPT_OUT_ENV}=postgres"
            )

    def header(self) -> list[str]:
        database = os.environ.get(DATABASE_ENV)
        postgres = (
            "PostgreSQL variants run (CIRCLEFED_TEST_DATABASE_URL is set)"
            if database
            else f"PostgreSQL variants NOT collected: {DATABASE_ENV} is not set, storage tests run on SQLite only"
        )
        left_out = ", ".join(sorted(self.opted_out)) or "none"
        mode = "strict (a part that cannot run fails)" if self.strict else "lenient (a part that cannot run is skipped)"
        return [f"circlefed suite: {postgres}", f"circlefed suite: {mode}; left out ({OPT_OUT_ENV}): {left_out}"]

    @pytest.hookimpl(trylast=True)  # after tests/browser/conftest.py marks its tests and after -k/-m
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if not self.opted_out:
            return
        keep, drop = [], []
        for item in items:
            (drop if part_of(item) in self.opted_out else keep).append(item)
        if drop:
            self.deselected.update(part_of(item) for item in drop)
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        part = part_of(item)
        report.circlefed_part = part
        if self.strict and report.skipped and not hasattr(report, "wasxfail") and part not in self.opted_out:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            report.outcome = "failed"
            report.longrepr = (
                f"strict run ({STRICT_ENV}=1): this {LABELS[part]} test was skipped, and a part of the suite that "
                f"cannot run fails the run.\nSkip reason: {reason}\nPrepare what it needs (.ci/run does), or leave "
                f"the part out on purpose: {OPT_OUT_ENV}={part}"
            )
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        part = getattr(report, "circlefed_part", "sqlite")
        previous = self.outcomes.get(report.nodeid, (part, ""))[1]
        if report.failed:
            outcome = "failed"
        elif report.skipped:
            outcome = previous or "skipped"
        elif report.when == "call":
            outcome = previous or "passed"
        else:
            return
        self.outcomes[report.nodeid] = (part, outcome)

    def counts(self) -> dict[str, dict[str, int]]:
        counts = {part: {"passed": 0, "failed": 0, "skipped": 0, "deselected": 0} for part in PARTS}
        for part, outcome in self.outcomes.values():
            counts[part][outcome] += 1
        for part, number in self.deselected.items():
            counts[part]["deselected"] = number
        return counts

    def pytest_terminal_summary(self, terminalreporter) -> None:
        counts = self.counts()
        terminalreporter.write_line(f"circlefed suite, this process: {summary_line(counts, self.opted_out)}")
        target = os.environ.get(PARTS_FILE_ENV)
        if target:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            Path(target).write_text(
                json.dumps({"counts": counts, "opted_out": sorted(self.opted_out), "strict": self.strict})
            )


def summary_line(counts: dict[str, dict[str, int]], opted_out: frozenset[str] | set[str]) -> str:
    """`tests run: SQLite 1205, PostgreSQL 517, interop 10, browser 19 (2 skipped), deploy 4; left out (...): none`."""
    pieces = []
    for part in PARTS:
        tally = counts[part]
        notes = [f"{tally['failed']} failed"] if tally["failed"] else []
        notes += [f"{tally['skipped']} skipped"] if tally["skipped"] else []
        notes += ["left out"] if part in opted_out else []
        ran = tally["passed"] + tally["failed"]
        pieces.append(f"{LABELS[part]} {ran}" + (f" ({', '.join(notes)})" if notes else ""))
    left_out = ", ".join(sorted(opted_out)) or "none"
    return f"tests run: {', '.join(pieces)}; left out ({OPT_OUT_ENV}): {left_out}"


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(PartsPlugin(config), "circlefed-suite-parts")


def pytest_report_header(config: pytest.Config) -> list[str]:
    plugin = config.pluginmanager.get_plugin("circlefed-suite-parts")
    return plugin.header() if plugin else []


def combine(paths: list[Path]) -> tuple[dict[str, dict[str, int]], set[str], bool]:
    counts = {part: {"passed": 0, "failed": 0, "skipped": 0, "deselected": 0} for part in PARTS}
    opted: set[str] = set()
    strict = False
    for path in paths:
        data = json.loads(path.read_text())
        for part in PARTS:
            for key in counts[part]:
                counts[part][key] += data["counts"][part][key]
        opted.update(data["opted_out"])
        strict = strict or data["strict"]
    return counts, opted, strict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Add up the parts of the suite the pytest processes ran.")
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--expect-every-part", action="store_true",
                        help="a full run: every part not left out must have run at least one test")
    parser.add_argument("--closing-line", action="store_true",
                        help="only print `tests: N passed, N failed, N skipped`, all processes together")
    args = parser.parse_args(argv)
    present = [path for path in args.files if path.exists()]
    if not present:
        print("make test: no pytest process reported its parts (did pytest start at all?)", file=sys.stderr)
        return 1
    counts, opted, strict = combine(present)
    if args.closing_line:
        totals = {key: sum(counts[part][key] for part in PARTS) for key in ("passed", "failed", "skipped")}
        print(f"tests: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
        return 0
    print(f"make test: {summary_line(counts, opted)}")
    if args.expect_every_part and strict:
        missing = [LABELS[p] for p in PARTS if p not in opted and counts[p]["passed"] + counts[p]["failed"] == 0]
        if missing:
            print(f"make test: FAILED: no {', no '.join(missing)} test ran in a full strict run", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
