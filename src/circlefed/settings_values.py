"""Root: a setting's value, from the file or an environment variable, converted to the type its key declares."""

from __future__ import annotations

import re
import types
import typing

from circlefed.errors import ConfigError
from circlefed.settings_sections import Duration

_DURATION_RE = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class EnvString(str):
    """A raw environment value, converted to the setting's type when it is validated."""


def coerce(name: str, kind, value):
    """The value given for setting `name` as the type its key declares; ConfigError says what was expected."""
    from_env = isinstance(value, EnvString)
    if kind is bool:
        return _coerce_bool(name, value, from_env)
    if kind is Duration:
        return _coerce_duration(name, value)
    if kind is int:
        return _coerce_int(name, value, from_env)
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"setting '{name}' must be a string, got {type(value).__name__}")
        return str(value)
    if typing.get_origin(kind) is tuple or isinstance(kind, types.GenericAlias):
        return _coerce_str_tuple(name, value, from_env)
    raise ConfigError(f"setting '{name}' has an unsupported type")  # pragma: no cover - programming error


def _coerce_bool(name: str, value, from_env: bool) -> bool:
    if isinstance(value, bool):
        return value
    if from_env and value.strip().lower() in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    raise ConfigError(f"setting '{name}' must be true or false, got {value!r}")


def _coerce_int(name: str, value, from_env: bool) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"setting '{name}' must be an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if from_env and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ConfigError(f"setting '{name}' must be an integer, got {value!r}")


def _coerce_duration(name: str, value) -> Duration:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return Duration(value)
    if isinstance(value, str):
        text = value.strip()
        if text.replace(".", "", 1).isdigit():
            return Duration(float(text))
        match = _DURATION_RE.match(text)
        if match:
            return Duration(int(match.group(1)) * _DURATION_UNITS[match.group(2)])
    raise ConfigError(f'setting \'{name}\' must be a duration like "30s", "10m", "3h" or "7d", got {value!r}')


def _coerce_str_tuple(name: str, value, from_env: bool) -> tuple[str, ...]:
    if from_env:
        return tuple(item.strip() for item in value.split(",") if item.strip())
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ConfigError(f"setting '{name}' must be a list of strings, got {value!r}")

