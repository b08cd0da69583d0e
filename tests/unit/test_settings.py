"""Settings: file + environment, strict validation with messages that name the key."""

from pathlib import Path

import pytest

from circlefed.errors import ConfigError
from circlefed.settings import iter_settings, load_settings

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "circlefed.toml"
    path.write_text(text)
    return path


def test_defaults_serve_the_embedded_sqlite_database_on_localhost(tmp_path):
    settings = load_settings(write(tmp_path, ""), environ={})
    assert settings.database.url == "sqlite://./data/circlefed.sqlite3"
    assert (settings.web.host, settings.web.port) == ("127.0.0.1", 8080)
    assert settings.instance.domain == "127.0.0.1:8080"


def test_file_values_are_read_per_section(tmp_path):
    path = write(
        tmp_path, '[instance]\nbase_url = "https://clinic.example"\nname = "Clinic"\n[web]\nport = 9000\n'
    )
    settings = load_settings(path, environ={})
    assert settings.instance.domain == "clinic.example"
    assert settings.instance.name == "Clinic"
    assert settings.web.port == 9000


def test_environment_overrides_the_file(tmp_path):
    path = write(tmp_path, "[web]\nport = 9000\n")
    env = {
        "CIRCLEFED_WEB__PORT": "9100",
        "CIRCLEFED_FEDERATION__PRIVATE_ADDRESS_ALLOWLIST": "127.0.0.1, ::1",
        "CIRCLEFED_WEB__RUN_WORKER": "false",
    }
    settings = load_settings(path, environ=env)
    assert settings.web.port == 9100
    assert settings.web.run_worker is False
    assert settings.federation.private_address_allowlist == ("127.0.0.1", "::1")


def test_the_instance_domain_keeps_a_non_default_port(tmp_path):
    settings = load_settings(
        write(tmp_path, '[instance]\nbase_url = "https://Clinic.Example:8443/"\n'), environ={}
    )
    assert settings.instance.domain == "clinic.example:8443"


@pytest.mark.parametrize(
    ("text", "env", "named"),
    [
        ("[web]\nprot = 1\n", {}, "web.prot"),
        ("[webb]\nport = 1\n", {}, "webb"),
        ('[web]\nport = "eighty"\n', {}, "web.port"),
        ("[web]\nrun_worker = 1\n", {}, "web.run_worker"),
        ("", {"CIRCLEFED_WEB__PORT": "x"}, "web.port"),
        ("", {"CIRCLEFED_WEB__NOPE": "1"}, "CIRCLEFED_WEB__NOPE"),
        ('[database]\nurl = "mysql://db/x"\n', {}, "database.url"),
        ('[database]\nurl = "postgres://host"\n', {}, "database.url"),
        ('[instance]\nbase_url = "ftp://x"\n', {}, "instance.base_url"),
        ('[instance]\nbase_url = "https://x.example/forum"\n', {}, "instance.base_url"),
        ('[instance]\nbase_url = "http://clinic.example"\n', {}, "federation.allow_http"),
        ("[web]\nport = 70000\n", {}, "web.port"),
        ('[federation]\nfetch_timeout = "soon"\n', {}, "federation.fetch_timeout"),
        ("[federation]\nprivate_address_allowlist = [1]\n", {}, "federation.private_address_allowlist"),
        ("web = 3\n", {}, "web"),
        ("[web\n", {}, "not valid TOML"),
    ],
)
def test_bad_settings_give_one_message_naming_the_key(tmp_path, text, env, named):
    with pytest.raises(ConfigError) as excinfo:
        load_settings(write(tmp_path, text), environ=env)
    assert named in str(excinfo.value)


def test_durations_accept_units(tmp_path):
    settings = load_settings(write(tmp_path, '[federation]\nfetch_timeout = "2m"\n'), environ={})
    assert settings.federation.fetch_timeout == 120


def test_a_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_every_setting_has_help_text_and_is_in_the_example_file():
    example = (REPO / "deploy" / "circlefed.example.toml").read_text()
    for section, key, _default, help_text in iter_settings():
        assert help_text, f"{section}.{key} has no help text"
        assert f"[{section}]" in example and f"{key} =" in example, (
            f"{section}.{key} missing from the example"
        )


def test_the_example_file_is_valid(tmp_path):
    load_settings(REPO / "deploy" / "circlefed.example.toml", environ={})


def test_an_unset_base_url_is_the_address_served_and_follows_it():
    derived = load_settings(REPO / "tests" / "empty.toml", environ={"CIRCLEFED_WEB__PORT": "18080"})
    assert derived.instance.base_url == "http://127.0.0.1:18080" and derived.base_url_derived
    assert derived.replace(web={"port": 9000}).instance.base_url == "http://127.0.0.1:9000"  # `serve --port 9000`
    every_address = "0.0.0.0"  # noqa: S104 - a setting read, nothing bound
    wildcard = load_settings(REPO / "tests" / "empty.toml", environ={"CIRCLEFED_WEB__HOST": every_address})
    assert wildcard.instance.base_url == "http://127.0.0.1:8080"
    chosen = load_settings(REPO / "tests" / "empty.toml", environ={"CIRCLEFED_INSTANCE__BASE_URL": "https://c.example"})
    assert not chosen.base_url_derived
    assert chosen.replace(web={"port": 9000}).instance.base_url == "https://c.example", "a chosen URL is kept"
