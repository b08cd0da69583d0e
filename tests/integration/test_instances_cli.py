"""`circlefed federation mode` and `circlefed instances ...`: set, print, list, import and export the policy."""

import shutil
from pathlib import Path

import pytest

from tests.integration.test_cli import run

pytestmark = pytest.mark.storage

MASTODON_EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "mastodon" / "domain_blocks.csv"


@pytest.fixture
def cli_env(monkeypatch, database_url, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CIRCLEFED_DATABASE__URL", database_url)
    return tmp_path


def rules(capsys) -> dict[str, tuple[str, str]]:
    status, out, _ = run(capsys, "instances", "list")
    assert status == 0 and out.splitlines()[0].split() == ["DOMAIN", "ACTION", "UPDATED", "REASON"]
    found = {}
    for line in out.splitlines()[1:]:
        domain, action, _updated, *reason = line.split()
        found[domain] = (action, " ".join(reason))
    return found


def test_federation_mode_prints_open_by_default_and_sets_each_mode(cli_env, capsys):
    assert run(capsys, "federation", "mode")[:2] == (0, "open\n")
    for mode in ("allowlist", "closed", "open"):
        status, out, _ = run(capsys, "federation", "mode", mode)
        assert status == 0 and out == f"federation mode is now {mode}\n"
        assert run(capsys, "federation", "mode")[1] == f"{mode}\n"


def test_allow_block_silence_and_clear_rules_show_in_the_list(cli_env, capsys):
    # SPEC: PROTOCOL.md attack 7 (rules are kept in one canonical form)
    assert run(capsys, "instances", "allow", "Partner.Example.")[:2] == (0, "allowed partner.example\n")
    status, out, _ = run(capsys, "instances", "block", "evil.example", "--reason", "harassment campaign")
    assert status == 0 and out == "blocked evil.example\n"
    assert run(capsys, "instances", "silence", "bücher.example:8443")[1] == "silenced xn--bcher-kva.example:8443\n"
    assert run(capsys, "instances", "reject-media", "pics.example")[0] == 0
    assert rules(capsys) == {
        "evil.example": ("block", "harassment campaign"),
        "partner.example": ("allow", ""),
        "pics.example": ("reject_media", ""),
        "xn--bcher-kva.example:8443": ("silence", ""),
    }
    status, out, _ = run(capsys, "instances", "clear", "EVIL.example")
    assert status == 0 and out == "cleared the block rule for evil.example\n"
    assert "evil.example" not in rules(capsys)


def test_import_and_export_round_trip_a_mastodon_domain_block_csv(cli_env, capsys):
    # SPEC: issue 7 (Mastodon's domain-block CSV: suspend → block, silence → silence, noop → reject_media)
    shutil.copy(MASTODON_EXPORT, cli_env / "mastodon.csv")
    status, out, _ = run(capsys, "instances", "import", "mastodon.csv")
    assert status == 0
    assert out.splitlines()[0] == "imported mastodon.csv: 4 added, 0 updated, 0 unchanged"
    assert [line.split(":")[0] for line in out.splitlines()[1:]] == ["skipped line 5", "skipped line 6"]
    imported = rules(capsys)
    assert imported == {
        "spam.example": ("block", "Spam and harassment"),
        "loud.example": ("silence", "Unmoderated, lots of noise"),
        "pics.example": ("reject_media", ""),
        "xn--bcher-kva.example": ("block", ""),
    }
    run(capsys, "instances", "allow", "partner.example")
    status, out, _ = run(capsys, "instances", "export", "out.csv")
    assert status == 0 and out.splitlines() == [
        "exported 4 rules to out.csv",
        "left out 1 allowed domains (Mastodon's format has no allow severity): partner.example",
    ]
    exported = (cli_env / "out.csv").read_text()
    assert exported.splitlines()[0] == "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    assert 'loud.example,silence,false,false,"Unmoderated, lots of noise",false' in exported.splitlines()
    for domain in imported:
        run(capsys, "instances", "clear", domain)
    assert run(capsys, "instances", "import", "out.csv")[1].startswith("imported out.csv: 4 added")
    assert {d: r for d, r in rules(capsys).items() if d != "partner.example"} == imported


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["federation", "mode", "paranoid"], "invalid federation mode 'paranoid'"),
        (["instances", "block", "https://evil.example/"], "is not a domain"),
        (["instances", "block", "evil.example:99999"], "invalid port"),
        (["instances", "silence", "evil..example"], "invalid domain"),
        (["instances", "clear", "never.example"], "no rule for never.example"),
        (["instances", "import", "missing.csv"], "cannot read missing.csv"),
        (["instances", "import", "bad.csv"], "line 2: unknown severity 'nuke'"),
        (["instances", "import", "headless.csv"], "not a Mastodon domain-block CSV"),
        (["instances", "export", "no/such/dir/out.csv"], "cannot write no/such/dir/out.csv"),
    ],
)
def test_bad_input_is_a_clear_error_and_exit_1(cli_env, capsys, argv, message):
    (cli_env / "bad.csv").write_text("#domain,#severity\nevil.example,nuke\n")
    (cli_env / "headless.csv").write_text("evil.example,suspend\n")
    status, out, err = run(capsys, *argv)
    assert status == 1 and out == ""
    assert err.startswith("circlefed: error: ") and message in err
    assert rules(capsys) == {}


def test_policy_changes_say_what_they_replace_and_what_now_contradicts(cli_env, capsys):
    # A rule replaced keeps its reason unless a new one is given, and the output names what it replaced.
    assert run(capsys, "instances", "silence", "noisy.example", "--reason", "spam waves")[0] == 0
    status, out, _ = run(capsys, "instances", "block", "noisy.example")
    assert status == 0 and out == "blocked noisy.example; replaced its earlier rule: silence (spam waves)\n"
    assert rules(capsys)["noisy.example"] == ("block", "spam waves")
    # A trusted partner that the federation policy keeps out: the change is made, and the warning names both.
    status, _, err = run(capsys, "trusted", "add", "noisy.example")
    assert status == 0 and "warning: noisy.example is a trusted partner but its domain is blocked" in err
    assert run(capsys, "instances", "clear", "noisy.example")[0] == 0
    status, _, err = run(capsys, "federation", "mode", "allowlist")
    assert status == 0 and "noisy.example is a trusted partner but not on the allowlist" in err
    status, _, err = run(capsys, "instances", "allow", "noisy.example")
    assert status == 0 and "warning" not in err
