"""`circlefed moderation log|rules` and `circlefed policy ...`: export the log, manage content rules and knobs."""

import asyncio
import csv
import io
import json
from datetime import UTC, datetime

import pytest

from circlefed.domain import modlog, reports, safety_admin
from circlefed.domain.threads import start_thread
from circlefed.storage.db import activated, open_database
from tests.factories import SITE, approved_member, local_circle, local_person
from tests.integration.test_cli import run

pytestmark = pytest.mark.storage

@pytest.fixture
def cli_env(monkeypatch, database_url, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CIRCLEFED_DATABASE__URL", database_url)
    return tmp_path


async def two_entries(database_url: str) -> None:
    ctx = await open_database(database_url)
    try:
        with activated(ctx):
            fran = await local_person(SITE, "fran")
            grief = await local_circle(SITE, "grief", fran)
            hope = await local_circle(SITE, "hope", fran)
            old, new = datetime(2026, 1, 2, 9, 30, tzinfo=UTC), datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
            await modlog.record(grief, fran, modlog.LOCK, target_uri="http://127.0.0.1:8080/t/x", reason="heated",
                                now=old)
            await modlog.record(hope, fran, modlog.BAN, target_uri="https://s.example/u/troll", reason="spam, again",
                                now=new)
    finally:
        await ctx.close_connections()


def test_the_log_exports_as_csv_and_json_narrowed_by_circle_and_date(cli_env, capsys, database_url):
    # SPEC: issue 7 accountability (CLI export of the moderation log)
    asyncio.run(two_entries(database_url))
    status, out, _ = run(capsys, "moderation", "log")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and [(r["circle"], r["action"], r["reason"]) for r in rows] == [
        ("grief", "lock_thread", "heated"),
        ("hope", "ban_member", "spam, again"),
    ]
    assert rows[0]["moderator"] == "http://127.0.0.1:8080/u/fran" and rows[0]["time"].startswith("2026-01-02T09:30")
    status, out, _ = run(capsys, "moderation", "log", "--circle", "hope", "--format", "json")
    assert status == 0 and [entry["target"] for entry in json.loads(out)] == ["https://s.example/u/troll"]
    status, out, _ = run(capsys, "moderation", "log", "--since", "2026-02-01", "--format", "json")
    assert [entry["action"] for entry in json.loads(out)] == ["ban_member"]
    status, _, err = run(capsys, "moderation", "log", "--since", "yesterday")
    assert status == 1 and "not a date" in err


def test_content_rules_are_added_listed_and_removed(cli_env, capsys):
    status, out, _ = run(capsys, "moderation", "rules", "add", "buy pills", "--action", "reject")
    assert status == 0 and out == "content rule #1 added for the whole instance: reject posts matching it\n"
    assert run(capsys, "moderation", "rules", "add", "(x", "--action", "hold", "--regex")[0] == 1
    status, out, _ = run(capsys, "moderation", "rules", "list")
    assert status == 0 and out.splitlines()[1].split() == ["1", "(instance)", "reject", "term", "buy", "pills"]
    assert run(capsys, "moderation", "rules", "remove", "1")[1] == "content rule #1 removed\n"
    assert run(capsys, "moderation", "rules", "remove", "1")[0] == 1


def test_the_crisis_resources_text_and_the_switches_are_set_and_shown(cli_env, capsys, tmp_path):
    # SPEC: issue 7 safety net (the crisis resources text is configurable)
    assert "no crisis resources" in run(capsys, "policy", "crisis-resources")[1]
    text = "In the UK call Samaritans on 116 123, any time."
    assert run(capsys, "policy", "crisis-resources", "--text", text)[:2] == (0, "crisis resources text set\n")
    assert run(capsys, "policy", "crisis-resources")[1] == text + "\n"
    (tmp_path / "resources.txt").write_text("Line one\nLine two\n")
    run(capsys, "policy", "crisis-resources", "--file", "resources.txt")
    assert run(capsys, "policy", "hold-first-posts", "on")[1] == "hold-first-posts is now on\n"
    assert run(capsys, "policy", "forward-reports", "on")[0] == 0
    status, out, _ = run(capsys, "policy", "show")
    assert status == 0 and out == "hold-first-posts: on\nforward-reports: on\ncrisis-resources:\nLine one\nLine two\n"
    assert run(capsys, "policy", "crisis-resources", "--clear")[1] == "crisis resources text cleared\n"


async def a_held_post_and_a_report(database_url: str) -> str:
    ctx = await open_database(database_url)
    try:
        with activated(ctx):
            fran = await local_person(SITE, "fran")
            robin = await local_person(SITE, "robin")
            grief = await local_circle(SITE, "grief", fran)
            await approved_member(grief, robin)
            await safety_admin.set_switch("hold_first_posts", True)
            now = datetime.now(UTC)
            started = await start_thread(SITE, grief, robin, title="Hello", source="first time here", now=now)
            await reports.file_report(grief, fran, object_uris=[robin.uri], reported_actor=robin, reason="odd",
                                      category="other", now=now)
            return started.thread.uri
    finally:
        await ctx.close_connections()


def test_a_facilitator_approves_held_posts_and_resolves_reports_from_the_command_line(cli_env, capsys, database_url):
    # SPEC: issue 7 safety net (held posts invisible until a facilitator approves) and reports (resolved, logged)
    uri = asyncio.run(a_held_post_and_a_report(database_url))
    status, out, _ = run(capsys, "moderation", "held", "--as", "fran")
    assert status == 0 and out.splitlines()[1].split()[:2] == ["grief", uri]
    status, _, err = run(capsys, "moderation", "held", "--as", "robin")  # says why, not an empty table
    assert status == 1 and "robin does not facilitate any circle here" in err
    status, _, err = run(capsys, "moderation", "reports", "--circle", "grief", "--as", "robin")
    assert status == 1 and "robin does not facilitate circle grief" in err
    assert run(capsys, "moderation", "approve", uri, "--as", "robin")[0] == 1  # not a facilitator
    assert run(capsys, "moderation", "approve", uri, "--as", "fran")[1] == f"approved {uri}\n"
    assert run(capsys, "moderation", "held", "--as", "fran")[1] == "nothing is held for review in grief\n"
    status, out, _ = run(capsys, "moderation", "reports", "--as", "fran")
    report_id = out.splitlines()[1].split()[0]
    assert out.splitlines()[0].split()[4] == "CATEGORY" and out.splitlines()[1].split()[4] == "other"
    assert run(capsys, "moderation", "resolve", report_id, "--outcome", "talked", "--as", "fran")[0] == 0
    assert run(capsys, "moderation", "reports", "--as", "fran")[1] == "no open reports in grief\n"
    actions = [row["action"] for row in csv.DictReader(io.StringIO(run(capsys, "moderation", "log")[1]))]
    assert actions == ["approve_post", "resolve_report"]
