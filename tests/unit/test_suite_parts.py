"""Suite: make test's strict mode, CIRCLEFED_TEST_OPT_OUT and the parts line (tests/suite_parts.py), and the
coverage figures per room (tests/coverage_rooms.py), run on small generated test files."""

from __future__ import annotations

import json

import pytest

from tests import coverage_rooms, suite_parts

pytest_plugins = ["pytester"]

CONFTEST = 'pytest_plugins = ["tests.suite_parts"]\n'
TESTS = """
import pytest

def test_runs():
    pass

def test_cannot_run_here():
    pytest.skip("no Chromium here")

@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"])
def test_on_each_backend(db_backend):
    pass

@pytest.mark.browser
def test_in_a_browser():
    pass
"""


def run(suite, *args: str):
    """pytest on the generated files, in this process (the browser plugin keeps out: it nests badly)."""
    return suite.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:playwright", *args)


@pytest.fixture
def suite(pytester, monkeypatch):
    for name in (suite_parts.STRICT_ENV, suite_parts.OPT_OUT_ENV, suite_parts.PARTS_FILE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(suite_parts.DATABASE_ENV, "postgres://postgres@127.0.0.1:5432/test")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_parts=TESTS)
    return pytester


def test_a_lenient_run_skips_and_counts_each_part(suite):
    result = run(suite)
    result.assert_outcomes(passed=4, skipped=1)
    result.stdout.fnmatch_lines(
        ["*tests run: SQLite 2 (1 skipped), PostgreSQL 1, interop 0, browser 1, deploy 0; left out*"]
    )


def test_a_strict_run_fails_a_skipped_test_and_says_how_to_leave_its_part_out(suite, monkeypatch):
    monkeypatch.setenv(suite_parts.STRICT_ENV, "1")
    result = run(suite)
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([
        "*strict run (CIRCLEFED_TEST_STRICT=1): this SQLite test was skipped*",
        "*Skip reason: *no Chromium here*",
        "*CIRCLEFED_TEST_OPT_OUT=sqlite*",
    ])


def test_a_strict_run_without_postgresql_stops_unless_it_is_left_out(suite, monkeypatch):
    monkeypatch.setenv(suite_parts.STRICT_ENV, "1")
    monkeypatch.delenv(suite_parts.DATABASE_ENV)
    refused = run(suite)
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    assert "CIRCLEFED_TEST_DATABASE_URL is not set" in refused.stderr.str()
    monkeypatch.setenv(suite_parts.OPT_OUT_ENV, "postgres,browser")
    left_out = run(suite, "-k", "not cannot_run")
    left_out.assert_outcomes(passed=2, deselected=3)
    left_out.stdout.fnmatch_lines([
        "*PostgreSQL 0 (left out), interop 0, browser 0 (left out), deploy 0; left out*: browser, postgres"
    ])


def test_an_unknown_part_named_to_leave_out_is_an_error(suite, monkeypatch):
    monkeypatch.setenv(suite_parts.OPT_OUT_ENV, "browsers")
    result = run(suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "only postgres, interop, browser, deploy can be left out" in result.stderr.str()


def test_the_processes_are_added_up_and_a_full_strict_run_needs_every_part(suite, monkeypatch, capsys):
    monkeypatch.setenv(suite_parts.STRICT_ENV, "1")
    monkeypatch.setenv(suite_parts.PARTS_FILE_ENV, str(suite.path / "parts-main.json"))
    run(suite, "-k", "not postgres and not cannot_run")
    monkeypatch.setenv(suite_parts.PARTS_FILE_ENV, str(suite.path / "parts-postgres.json"))
    run(suite, "-k", "postgres")
    files = [suite.path / "parts-main.json", suite.path / "parts-postgres.json"]
    capsys.readouterr()
    assert suite_parts.main([*map(str, files), "--expect-every-part"]) == 1  # no interop test ran
    out, err = capsys.readouterr()
    assert "tests run: SQLite 2, PostgreSQL 1, interop 0, browser 1, deploy 0;" in out
    assert "FAILED: no interop, no deploy test ran in a full strict run" in err
    assert suite_parts.main(map(str, files[:1])) == 0  # a selection: no part is required
    assert suite_parts.main([*map(str, files), "--closing-line"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "tests: 4 passed, 0 failed, 0 skipped"


def _file(statements: int, covered: int, branches: int = 0, covered_branches: int = 0) -> dict:
    summary = {"num_statements": statements, "covered_lines": covered, "num_branches": branches,
               "covered_branches": covered_branches}
    return {"summary": summary}


def test_coverage_is_summed_per_room_and_a_module_never_reached_fails_a_full_run(tmp_path, capsys):
    report = {"files": {
        "/repo/src/circlefed/web/ui/pages.py": _file(10, 9, 4, 3),
        "/repo/src/circlefed/web/inbox.py": _file(10, 10, 2, 2),
        "/repo/src/circlefed/settings.py": _file(4, 4),
        "/repo/src/circlefed/domain/unused.py": _file(6, 0, 2, 0),
        "/repo/src/circlefed/domain/__init__.py": _file(0, 0),
        "/repo/migrations/0001_initial.py": _file(3, 3),
    }}
    path = tmp_path / "coverage.json"
    path.write_text(json.dumps(report))
    assert coverage_rooms.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "  domain           0.0%  (6 statements, 2 branches)" in out
    assert "  web             92.3%  (20 statements, 6 branches)" in out  # (19 + 5) / (20 + 6)
    assert "  (root modules) 100.0%" in out and "  migrations     100.0%" in out
    assert "coverage total: 75.6% (26/33 statements, 5/8 branches)" in out  # (26 + 5) / (33 + 8)
    assert "coverage: 1 modules not reached by this selection" in out
    assert coverage_rooms.main([str(path), "--require-every-module"]) == 1  # a full run
    assert "modules no test reached: circlefed/domain/unused.py" in capsys.readouterr().out
