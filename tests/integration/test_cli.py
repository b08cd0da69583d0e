"""The circlefed command line: first-run setup, users, circles, and clear errors with exit statuses."""

import os
import subprocess
import sys

import pytest

from circlefed.cli.main import main
from tests.factories import PASSWORD
from tests.fakes.remote import free_port

pytestmark = pytest.mark.storage


@pytest.fixture
def cli_env(monkeypatch, database_url, tmp_path):
    """Run the CLI against the test database from an empty folder (no circlefed.toml)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CIRCLEFED_DATABASE__URL", database_url)
    return database_url


def run(capsys, *argv, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        import io

        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_setup_creates_the_first_admin_and_sample_circle_once(cli_env, capsys):
    status, out, _ = run(capsys, "setup")
    assert status == 0
    password_lines = [line for line in out.splitlines() if "password" in line]
    assert len(password_lines) == 1 and len(password_lines[0].split(": ", 1)[1].split()[0]) >= 16
    status, out, _ = run(capsys, "setup")
    assert status == 0 and "password" not in out and "nothing to set up" in out
    _, out, _ = run(capsys, "users", "list")
    assert "admin" in out.splitlines()[1]
    _, out, _ = run(capsys, "circles", "list")
    assert "welcome" in out and "public" in out


def test_setup_asks_for_the_crisis_resources_until_they_are_set(cli_env, capsys):
    # SPEC: issue 15 (setup asks for the crisis resources text until it is set, and says where)
    _, out, _ = run(capsys, "setup")
    assert "add your crisis resources" in out and "/admin/settings" in out and "policy crisis-resources" in out
    assert "add your crisis resources" in run(capsys, "setup")[1]  # still unset: asked again
    run(capsys, "policy", "crisis-resources", "--text", "Samaritans: 116 123")
    status, out, _ = run(capsys, "setup")
    assert status == 0 and "crisis resources" not in out


def test_users_create_list_disable(cli_env, capsys, monkeypatch):
    status, out, _ = run(
        capsys,
        "users",
        "create",
        "robin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert status == 0 and "created member account 'robin'" in out and "password" not in out
    status, out, _ = run(capsys, "users", "create", "sam", "--admin")
    assert status == 0 and "admin account 'sam'" in out and "password (shown once" in out
    assert run(capsys, "users", "disable", "robin")[0] == 0
    _, out, _ = run(capsys, "users", "list")
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["robin"][1:3] == ["member", "disabled"]
    assert rows["sam"][1:3] == ["admin", "active"]
    status, out, _ = run(capsys, "users", "enable", "robin")
    assert status == 0 and "enabled account 'robin': it can log in again" in out
    _, out, _ = run(capsys, "users", "list")
    assert {line.split()[0]: line.split() for line in out.splitlines()[1:]}["robin"][1:3] == ["member", "active"]
    status, _, err = run(capsys, "users", "enable", "ghost")
    assert status == 1 and "no account named 'ghost'" in err
    status, out, _ = run(capsys, "users", "reset-password", "robin")
    assert status == 0 and "give robin this link to set a new password" in out
    assert out.splitlines()[-1].startswith("http://127.0.0.1:8080/reset/") and len(out.splitlines()[-1]) > 60
    assert run(capsys, "users", "reset-password", "ghost")[0] == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["users", "create", "Robin!"], "invalid username"),
        (["users", "create", "actor"], "reserved"),
        (["users", "disable", "ghost"], "no account named 'ghost'"),
        (["circles", "create", "x y", "--name", "X"], "invalid circle slug"),
        (["circles", "create", "fine", "--name", "Fine", "--visibility", "secret"], "invalid visibility"),
        (
            ["circles", "create", "fine", "--name", "Fine", "--facilitator", "ghost"],
            "no account named 'ghost'",
        ),
    ],
)
def test_bad_input_is_a_clear_error_and_a_non_zero_exit(cli_env, capsys, argv, message):
    status, _, err = run(capsys, *argv)
    assert status == 1
    assert message in err and "Traceback" not in err


def test_duplicate_names_are_refused_across_members_and_circles(cli_env, capsys):
    assert run(capsys, "users", "create", "river")[0] == 0
    status, _, err = run(capsys, "users", "create", "river")
    assert status == 1 and "already taken" in err
    status, _, err = run(capsys, "circles", "create", "river", "--name", "River")
    assert status == 1 and "already taken" in err


def test_circles_create_with_visibility_and_facilitator(cli_env, capsys):
    run(capsys, "users", "create", "fran")
    status, out, _ = run(
        capsys,
        "circles",
        "create",
        "grief",
        "--name",
        "Grief support",
        "--visibility",
        "members",
        "--facilitator",
        "fran",
    )
    assert status == 0 and "members circle 'grief'" in out
    _, out, _ = run(capsys, "circles", "list")
    row = next(line for line in out.splitlines() if line.startswith("grief"))
    assert row.split()[-5:] == ["members", "1", "approval", "-", "-"]


def test_circles_create_with_rules_approval_and_retention_then_an_invitation(cli_env, capsys, tmp_path):
    run(capsys, "users", "create", "fran")
    rules = tmp_path / "rules.md"
    rules.write_text("1. What is said here stays here.\n", encoding="utf-8")
    made = ["circles", "create", "walk", "--name", "Walkers", "--rules-file", str(rules), "--approval"]
    status, _, err = run(capsys, *made, "--retention-days", "30")
    assert status == 1 and "ground rules need a facilitator" in err
    assert run(capsys, *made, "--retention-days", "30", "--facilitator", "fran")[0] == 0
    row = next(line for line in run(capsys, "circles", "list")[1].splitlines() if line.startswith("walk"))
    assert row.split()[-5:] == ["public", "1", "approval", "30", "v1"]
    run(capsys, "users", "create", "robin")
    status, _, err = run(capsys, "circles", "invite", "walk", "--as", "robin")
    assert status == 1 and "only the circle's facilitators or an admin" in err
    status, out, _ = run(capsys, "circles", "invite", "walk", "--as", "fran", "--days", "3", "--note", "for Sam")
    assert status == 0 and "works once for 3 days" in out and "/invite/" in out.splitlines()[-1]


def _subprocess(args, env_extra, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIRCLEFED_")}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "circlefed", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def test_a_wrong_setting_exits_2_naming_the_key(tmp_path):
    (tmp_path / "circlefed.toml").write_text("[web]\nport = 'x'\n")
    result = _subprocess(["users", "list"], {}, tmp_path)
    assert result.returncode == 2
    assert "web.port" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_database_is_a_message_not_a_traceback(tmp_path):
    result = _subprocess(
        ["migrate"], {"CIRCLEFED_DATABASE__URL": "postgres://postgres@127.0.0.1:1/none"}, tmp_path
    )
    assert result.returncode == 1
    assert "cannot reach the database at postgres://postgres@127.0.0.1:1/none" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_accepts_config(tmp_path):
    config = tmp_path / "elsewhere.toml"
    config.write_text(f'[database]\nurl = "sqlite://{tmp_path / "x.sqlite3"}"\n')
    result = _subprocess(["migrate", "--config", str(config)], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    result = _subprocess(["users", "list", "--config", str(config)], {}, tmp_path)
    assert result.returncode == 0 and "NAME" in result.stdout
    # Before the command too, as global options are written (issue 17 item 7), for sub-commands as well.
    result = _subprocess(["--config", str(config), "circles", "list"], {}, tmp_path)
    assert result.returncode == 0 and "SLUG" in result.stdout, result.stderr
    missing = _subprocess(["--config", str(tmp_path / "missing.toml"), "users", "list"], {}, tmp_path)
    assert missing.returncode == 2 and "missing.toml does not exist" in missing.stderr


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["deliveries", "list", "--limit", "-5"], "argument --limit: must be at least 1, not -5"),
        (["deliveries", "retry", "--id", "0"], "argument --id: must be at least 1, not 0"),
        (["serve", "--port", "70000"], "argument --port: a port is between 1 and 65535, not 70000"),
        (["serve", "--workers", "0"], "argument --workers: must be at least 1, not 0"),
        (["worker", "--concurrency", "ten"], "argument --concurrency: 'ten' is not a whole number"),
        (["dev", "seed", "--posts", "-1"], "argument --posts: must be 0 or more, not -1"),
        (["moderation", "rules", "remove", "0"], "argument id: must be at least 1, not 0"),
        (["circles", "create", "c", "--name", "C", "--retention-days", "0"], "--retention-days: must be at least 1"),
        (["circles", "invite", "c", "--as", "ada", "--days", "-1"], "argument --days: must be at least 1, not -1"),
    ],
)
def test_every_numeric_option_is_checked_with_a_clear_message(tmp_path, command, message):
    result = _subprocess(command, {}, tmp_path)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_setup_names_the_port_served_and_ends_with_the_password_in_a_box(tmp_path):
    setup = _subprocess(["setup"], {"CIRCLEFED_WEB__PORT": "18080"}, tmp_path)
    assert setup.returncode == 0, setup.stderr
    assert "created sample circle 'welcome' (http://127.0.0.1:18080/c/welcome)" in setup.stdout
    assert "8080/" not in setup.stdout.replace("18080/", ""), "nothing links to the port not served"
    box = setup.stdout.rstrip("\n").splitlines()[-4:]
    assert box[0] == box[3] and set(box[0]) == {"+", "-"}, box
    assert box[1].startswith("| created admin account 'admin': sign in at http://127.0.0.1:18080/login")
    assert box[2].startswith("| admin password (shown once, store it now): ") and box[2].endswith(" |")
    assert "warning" not in (setup.stdout + setup.stderr).lower()


def test_serve_warns_when_the_base_url_names_another_port_of_this_machine(tmp_path):
    env = {"CIRCLEFED_INSTANCE__BASE_URL": "http://127.0.0.1:8080"}
    assert _subprocess(["setup"], env, tmp_path).returncode == 0
    port = str(free_port())
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CIRCLEFED_")}
    server = subprocess.Popen([sys.executable, "-m", "circlefed", "serve", "--port", port], cwd=tmp_path,
                              env={**clean, **env}, stderr=subprocess.PIPE, text=True)
    try:
        warning = server.stderr.readline()
    finally:
        server.kill()
        server.wait()
    assert warning.startswith("circlefed: warning: instance.base_url is http://127.0.0.1:8080 but this server")
    assert f"Leave instance.base_url unset to use the address served (http://127.0.0.1:{port})" in warning


def test_a_database_not_migrated_is_refused_with_what_to_run(tmp_path):
    env = {"CIRCLEFED_DATABASE__URL": f"sqlite://{tmp_path / 'new.sqlite3'}"}
    for command in (["circles", "list"], ["users", "list"], ["serve", "--port", "1"], ["worker"]):
        result = _subprocess(command, env, tmp_path)
        assert result.returncode == 1, (command, result.stderr)
        assert "is not up to date" in result.stderr and "run `circlefed migrate`" in result.stderr, command
        assert "Traceback" not in result.stderr
    assert _subprocess(["migrate"], env, tmp_path).returncode == 0
    listed = _subprocess(["circles", "list"], env, tmp_path)
    assert listed.returncode == 0 and "SLUG" in listed.stdout


def test_dev_seed_fills_an_empty_instance_once_and_says_how_to_sign_in(cli_env, capsys):
    # SPEC: issue 21 (`circlefed dev seed --circles N --threads N --posts N --members N`)
    status, out, _ = run(capsys, "dev", "seed", "--circles", "2", "--threads", "7", "--posts", "30", "--members", "4")
    assert status == 0 and "seeded 2 circles" in out and "seeded-member-password" in out
    _, out, _ = run(capsys, "circles", "list")
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert set(rows) == {"circle1", "circle2", "smallcircle"} and rows["circle1"][-4] == "4"
    status, _, err = run(capsys, "dev", "seed")
    assert status != 0 and "seeded already" in err
    status, _, err = run(capsys, "dev", "seed", "--threads", "1", "--circles", "3")
    assert status != 0 and "at least one" in err


def test_backup_and_restore_round_trip(cli_env, capsys, tmp_path):
    # SPEC: issue 20 item 4 (`circlefed backup PATH`, `circlefed restore PATH`, a round trip)
    assert run(capsys, "setup")[0] == 0
    assert run(capsys, "circles", "create", "grief", "--name", "Grief")[0] == 0
    backup = tmp_path / "nightly.backup"
    status, out, _ = run(capsys, "backup", str(backup))
    assert status == 0 and "backed up" in out and backup.stat().st_size > 0
    status, _, err = run(capsys, "backup", str(backup))
    assert status != 0 and "exists already" in err, "a backup never overwrites a file"

    assert run(capsys, "circles", "create", "later", "--name", "Made after the backup")[0] == 0
    status, _, err = run(capsys, "restore", str(backup))
    assert status != 0 and "--replace" in err
    _, listed, _ = run(capsys, "circles", "list")
    assert "later" in listed, "nothing is replaced without --replace"
    status, out, _ = run(capsys, "restore", str(backup), "--replace")
    assert status == 0 and "restored" in out
    _, listed, _ = run(capsys, "circles", "list")
    assert "grief" in listed and "later" not in listed
    _, users, _ = run(capsys, "users", "list")
    assert "admin" in users

    (tmp_path / "notes.txt").write_text("not a backup")
    status, _, err = run(capsys, "restore", str(tmp_path / "notes.txt"), "--replace")
    assert status != 0 and "not a" in err and "backup" in err


def test_keys_rotate_names_the_actor_and_refuses_an_unknown_name(cli_env, capsys):
    # SPEC: issue 20 item 4 (`circlefed keys rotate ACTOR`)
    assert run(capsys, "setup")[0] == 0
    status, out, _ = run(capsys, "keys", "rotate", "admin")
    assert status == 0 and "new key for" in out and "/u/admin" in out
    status, _, err = run(capsys, "keys", "rotate", "nobody")
    assert status != 0 and "no member, circle or instance actor here is named 'nobody'" in err
