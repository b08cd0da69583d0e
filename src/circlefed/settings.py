"""Root: deployment settings from circlefed.toml and CIRCLEFED_<SECTION>__<KEY> variables, as frozen dataclasses."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from circlefed.errors import ConfigError
from circlefed.settings_checks import validate_settings
from circlefed.settings_sections import (
    ConfidentialitySettings,
    DatabaseSettings,
    DeliverySettings,
    FederationSettings,
    InstanceSettings,
    LoggingSettings,
    MailSettings,
    MediaSettings,
    ModerationSettings,
    WebSettings,
)
from circlefed.settings_values import EnvString, coerce

ENV_PREFIX = "CIRCLEFED_"
DEFAULT_CONFIG_FILE = Path("circlefed.toml")


@dataclass(frozen=True)
class Settings:
    instance: InstanceSettings = field(default_factory=InstanceSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    web: WebSettings = field(default_factory=WebSettings)
    federation: FederationSettings = field(default_factory=FederationSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    moderation: ModerationSettings = field(default_factory=ModerationSettings)
    confidentiality: ConfidentialitySettings = field(default_factory=ConfidentialitySettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)

    @property
    def base_url_derived(self) -> bool:
        """instance.base_url was not set: it is the address served (settings.served_url)."""
        return getattr(self, "_derived_base_url", False)

    def replace(self, **sections: Mapping[str, object]) -> Settings:
        """A copy with some keys changed, validated like the file: replace(web={"port": 9000})."""
        merged = {name: dataclasses.asdict(getattr(self, name)) for name in _section_types()}
        if self.base_url_derived and "base_url" not in sections.get("instance", {}):
            merged["instance"]["base_url"] = ""  # derived again from the address the copy serves
        for name, values in sections.items():
            merged.setdefault(name, {}).update(values)
        return _build(merged, origin="override")


def _section_types() -> dict[str, type]:
    hints = typing.get_type_hints(Settings)
    return {f.name: hints[f.name] for f in dataclasses.fields(Settings)}


def iter_settings():
    """Yield (section, key, default, help) for every setting: the source of the docs and the docs test."""
    for section, cls in _section_types().items():
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            yield section, f.name, default, f.metadata.get("help", "")


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the file (if any), apply environment overrides, validate everything; ConfigError names the key."""
    environ = os.environ if environ is None else environ
    raw: dict[str, dict[str, object]] = {}
    origin = "defaults"
    file = path if path is not None else (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None)
    if file is not None:
        raw = _read_toml(file)
        origin = str(file)
    for section, key, value in _env_overrides(environ):
        raw.setdefault(section, {})[key] = value
    return _build(raw, origin=origin)


def _read_toml(file: Path) -> dict[str, dict[str, object]]:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file {file} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}") from exc
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{file}: '{section}' must be a [section] table")
    return data


def _env_overrides(environ: Mapping[str, str]):
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        yield section, key, EnvString(value)


def _env_name(section: str, key: str) -> str:
    return f"environment variable {ENV_PREFIX}{section.upper()}__{key.upper()}"


def _build(raw: Mapping[str, Mapping[str, object]], *, origin: str) -> Settings:
    sections = _section_types()
    built = {}
    for section, values in raw.items():
        if section not in sections:
            env_keys = [k for k, v in values.items() if isinstance(v, EnvString)]
            where = _env_name(section, env_keys[0]) if env_keys else origin
            raise ConfigError(f"unknown setting section '{section}' ({where}); known: {', '.join(sections)}")
    for section, cls in sections.items():
        built[section] = _build_section(section, cls, raw.get(section, {}), origin)
    derived = not built["instance"].base_url
    if derived:
        built["instance"] = dataclasses.replace(built["instance"], base_url=served_url(built["web"]))
    settings = Settings(**built)
    object.__setattr__(settings, "_derived_base_url", derived)  # replace() derives it again from the new address
    validate_settings(settings)
    return settings


def served_url(web: WebSettings) -> str:
    """http://host:port of the address served (a wildcard address is reached on this machine at 127.0.0.1)."""
    host = "127.0.0.1" if web.host in ("", "0.0.0.0") else "[::1]" if web.host == "::" else web.host  # noqa: S104 - compared, not bound
    return f"http://{f'[{host}]' if ':' in host and not host.startswith('[') else host}:{web.port}"


def _build_section(section: str, cls: type, values: Mapping[str, object], origin: str):
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in values.items():
        if key not in known:
            where = _env_name(section, key) if isinstance(value, EnvString) else origin
            raise ConfigError(
                f"unknown setting '{section}.{key}' ({where}); known: {', '.join(sorted(known))}"
            )
        kwargs[key] = coerce(f"{section}.{key}", hints[key], value)
    return cls(**kwargs)
