"""The confidentiality commands: visibility within the admin's limits, trusted instances, names, software,
retention and refederated Deletes, with clear errors."""

import pytest

from circlefed.cli.main import main

pytestmark = pytest.mark.storage


@pytest.fixture
def cli_env(monkeypatch, database_url, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CIRCLEFED_DATABASE__URL", database_url)
    return database_url


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def circle(cli_env, capsys):
    assert run(capsys, "users", "create", "fran")[0] == 0
    assert run(capsys, "users", "create", "sam")[0] == 0
    assert run(capsys, "circles", "create", "grief", "--name", "Grief", "--facilitator", "fran")[0] == 0
    return "grief"


def test_the_admin_sets_any_visibility_and_facilitators_only_what_settings_allow(circle, capsys, monkeypatch):
    status, out, _ = run(capsys, "circles", "set-visibility", circle, "members")
    assert status == 0 and "now members (was public)" in out and "refederate-deletes grief" in out
    status, _, err = run(capsys, "circles", "set-visibility", circle, "public", "--as", "fran")
    assert status == 1 and "facilitators may not make a circle public" in err
    status, out, _ = run(capsys, "circles", "set-visibility", circle, "local", "--as", "fran")
    assert status == 0 and "now local" in out
    status, _, err = run(capsys, "circles", "set-visibility", circle, "members", "--as", "sam")
    assert status == 1 and "only the circle's facilitators" in err
    monkeypatch.setenv("CIRCLEFED_CONFIDENTIALITY__FACILITATOR_VISIBILITIES", "public,members,local")
    status, out, _ = run(capsys, "circles", "set-visibility", circle, "public", "--as", "fran")
    assert status == 0 and "now public" in out
    status, _, err = run(capsys, "circles", "set-visibility", circle, "secret")
    assert status == 1 and "invalid visibility" in err
    _, out, _ = run(capsys, "circles", "list")
    assert "public" in out


def test_trusted_instances_and_the_policy_switches(cli_env, capsys):
    status, out, _ = run(capsys, "trusted", "add", "Partner.Example.", "--note", "clinic agreement 2025")
    assert status == 0 and "trusted partner.example" in out and "not known yet" in out
    _, out, _ = run(capsys, "trusted", "list")
    assert "partner.example" in out and "unknown" in out and "clinic agreement 2025" in out
    _, out, _ = run(capsys, "confidentiality", "show")
    assert "pseudonyms" in out and "to untrusted software: off" in out and "partner.example" in out
    assert run(capsys, "confidentiality", "real-names", "on")[0] == 0
    assert run(capsys, "confidentiality", "untrusted-software", "on")[0] == 0
    _, out, _ = run(capsys, "confidentiality", "show")
    assert "names shown to other instances: on" in out and "to untrusted software: on" in out
    status, _, err = run(capsys, "confidentiality", "real-names", "maybe")
    assert status == 1 and "on or off" in err
    assert run(capsys, "trusted", "remove", "partner.example")[0] == 0
    status, _, err = run(capsys, "trusted", "remove", "partner.example")
    assert status == 1 and "not a trusted instance" in err


def test_an_ip_address_is_trusted_only_where_this_instance_may_reach_it(cli_env, capsys, monkeypatch):
    status, _, err = run(capsys, "trusted", "add", "203.0.113.5")
    assert status == 1 and "203.0.113.5 is an IP address" in err and "federation.private_address_allowlist" in err
    assert "partner by its domain name" in err
    monkeypatch.setenv("CIRCLEFED_FEDERATION__PRIVATE_ADDRESS_ALLOWLIST", "10.0.0.0/8")
    status, _, err = run(capsys, "trusted", "add", "10.1.2.3:8443")
    assert status == 0, err  # a lab partner the allowlist lets this instance reach
    _, out, _ = run(capsys, "trusted", "list")
    assert "10.1.2.3:8443" in out and "203.0.113.5" not in out


def test_retention_and_refederation_commands(circle, capsys):
    status, out, _ = run(capsys, "circles", "set-retention", circle, "30")
    assert status == 0 and "deleted after 30 days" in out
    status, out, _ = run(capsys, "circles", "set-retention", circle, "none")
    assert status == 0 and "kept until deleted" in out
    for bad in ("0", "soon"):
        status, _, err = run(capsys, "circles", "set-retention", circle, bad)
        assert status == 1 and "retention must be" in err
    status, out, _ = run(capsys, "circles", "expire")
    assert status == 0 and "expired 0 posts" in out
    assert run(capsys, "circles", "set-visibility", circle, "local")[0] == 0
    status, out, _ = run(capsys, "circles", "refederate-deletes", circle)
    assert status == 0 and "queued Deletes for 0 posts" in out
    status, _, err = run(capsys, "circles", "refederate-deletes", "nowhere")
    assert status == 1 and "no circle 'nowhere'" in err
