"""Root: deployment settings from circlefed.toml and CIRCLEFED_<SECTION>__<KEY> variables, as frozen dataclasses."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from circlefed.errors import ConfigError

ENV_PREFIX = "CIRCLEFED_"
DEFAULT_CONFIG_FILE = Path("circlefed.toml")
_DURATION_RE = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def setting(default, help: str, *, secret: bool = False):
    """A dataclass field carrying its help text (shown in docs and checked by tests); a secret is left out of
    the settings' repr, so that printing or logging them never shows it."""
    if isinstance(default, (list, tuple)):
        return field(default_factory=lambda: tuple(default), metadata={"help": help})
    return field(default=default, metadata={"help": help, "secret": secret}, repr=not secret)


class Duration(float):
    """Seconds, written in the file as "30s", "10m", "3h" or "7d" (or a bare number of seconds)."""


@dataclass(frozen=True)
class InstanceSettings:
    base_url: str = setting(
        "",
        "Public URL of this instance; its authority (host[:port]) is the instance domain used in handles. Empty:"
        " http://WEB.HOST:WEB.PORT, the address served (for trying it out; set it for production).",
    )
    name: str = setting("circlefed", "Display name of the instance.")
    description: str = setting("A circlefed instance.", "One-line description shown on the home page.")

    @property
    def domain(self) -> str:
        """The instance domain: host[:port] of base_url, lowercase."""
        return urlsplit(self.base_url).netloc.lower()

    @property
    def scheme(self) -> str:
        return urlsplit(self.base_url).scheme


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = setting(
        "sqlite://./data/circlefed.sqlite3",
        "sqlite://relative/path, sqlite:///absolute/path or postgres://user@host:port/dbname.",
    )


@dataclass(frozen=True)
class WebSettings:
    host: str = setting("127.0.0.1", "Address the web server listens on.")
    port: int = setting(8080, "Port the web server listens on.")
    max_body_bytes: int = setting(
        1_048_576, "Largest request body accepted (inboxes and forms); larger is 413."
    )
    run_worker: bool = setting(True, "Run the queue worker inside the web process (false: only enqueue).")
    tls_cert: str = setting("", "PEM certificate chain to serve HTTPS directly (empty: plain HTTP).")
    tls_key: str = setting("", "PEM private key for tls_cert.")
    metrics_token: str = setting(
        "", "Bearer token /metrics and the detailed /healthz ask for; empty: they answer only this machine (loopback)."
    )
    page_cache_entries: int = setting(
        1000, "Pages of public circles kept for readers who are not signed in, served again until anything on them"
        " changes (0: none kept).",
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        "Addresses or CIDRs of the reverse proxies in front (e.g. 127.0.0.1 for nginx on the same machine): the"
        " client is then the last address of X-Forwarded-For they did not add. Empty: the connecting address.",
    )


@dataclass(frozen=True)
class FederationSettings:
    allow_http: bool = setting(False, "Allow http:// ids and fetches (local development and tests only).")
    private_address_allowlist: tuple[str, ...] = setting(
        (), "Hosts or CIDRs the SSRF guard may reach although private or loopback (tests, lab setups)."
    )
    authorized_fetch: bool = setting(
        False, "Require signed GETs for every AS2 document (non-public content always requires them)."
    )
    fetch_timeout: Duration = setting(15.0, "Total time allowed for one outbound request.")
    max_fetch_bytes: int = setting(1_048_576, "Largest remote document accepted.")
    new_keys_per_minute: int = setting(
        600, "Keys not seen before fetched per minute from one host to check signatures (0: no limit); requests"
        " signed with more new keys are refused 401 before anything is fetched."
    )


@dataclass(frozen=True)
class DeliverySettings:
    concurrency: int = setting(16, "Deliveries and inbox items one worker processes at the same time.")
    max_attempts: int = setting(16, "Attempts before a delivery is marked failed.")
    max_age: Duration = setting(3 * 86400.0, "A delivery still not done this long after it was queued fails.")
    base_backoff: Duration = setting(30.0, "Wait after the first failed attempt; doubles each time (with jitter).")
    max_backoff: Duration = setting(6 * 3600.0, "Longest wait between two attempts, for a delivery or a domain.")
    lease: Duration = setting(120.0, "How long a worker owns a claimed row; an expired lease returns to pending.")
    poll_interval: Duration = setting(1.0, "How often an idle worker looks for due work.")
    request_timeout: Duration = setting(10.0, "Total time allowed for one delivery POST.")
    inbox_retention: Duration = setting(
        30 * 86400.0, "Received activities are deleted this long after they were processed or failed (0: kept)."
    )
    worker_nice: int = setting(
        10,
        "CPU priority a `circlefed worker` process gives up (a nice increment, 0-19): on a machine it shares with"
        " the web process, pages are answered first and fan-outs use the CPU left over (0: same priority).",
    )


@dataclass(frozen=True)
class ConfidentialitySettings:
    facilitator_visibilities: tuple[str, ...] = setting(
        ("members", "local"),
        "Visibility levels facilitators may give their circles (public, members, local); admins choose any.",
    )


@dataclass(frozen=True)
class ModerationSettings:
    crisis_phrases: bool = setting(
        True,
        "Hold posts whose title or text (not its content warning) matches the built-in English crisis phrases"
        " (suicidal thoughts, plans, self-harm, overdose, hopelessness; after normalising case, punctuation,"
        " contractions, slang and letter/number swaps) and show the poster the crisis resources; false: only"
        " crisis_terms.",
    )
    crisis_terms: tuple[str, ...] = setting(
        (),
        "Your own words and phrases, in any language, that hold a post like the built-in phrases (whole words,"
        " normalised the same way: \"k1ll myself\" matches \"kill myself\"); added to the built-in phrases.",
    )
    account_posts_per_minute: int = setting(
        6, "Threads and replies a local account may post per minute on average (0: no limit)."
    )
    account_post_burst: int = setting(20, "Posts a local account may make in a row before the rate applies.")
    domain_deliveries_per_minute: int = setting(
        600, "Inbox deliveries accepted per minute from one remote domain (0: no limit); more answer 429."
    )
    domain_delivery_burst: int = setting(
        600, "Deliveries from one remote domain accepted in a row before the rate applies."
    )
    domain_bytes_per_minute: int = setting(
        67_108_864, "Inbox bytes accepted per minute from one remote domain (0: no limit); more answer 429."
    )
    domain_bytes_burst: int = setting(
        67_108_864, "Inbox bytes from one remote domain accepted in a row before the byte rate applies."
    )
    remote_reports_per_minute: int = setting(
        3, "Reports (Flags) one remote actor may send per minute on average (0: no limit); more are refused."
    )
    remote_report_burst: int = setting(10, "Reports one remote actor may send in a row before the rate applies.")


@dataclass(frozen=True)
class MediaSettings:
    proxy: bool = setting(
        False,
        "Show remote posts' images inline, fetched through this server when a reader who may read the post opens"
        " it (the image's server never sees the reader's address). False: images are links the reader may follow.",
    )
    max_bytes: int = setting(8_388_608, "Largest image the media proxy passes on; larger ones stay links.")


MAIL_TLS_MODES = ("starttls", "tls", "none")
_MAIL_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


@dataclass(frozen=True)
class MailSettings:
    host: str = setting("", "SMTP server that sends this instance's e-mail (empty: no e-mail is sent).")
    port: int = setting(0, "SMTP port; 0: by tls (587 for starttls, 465 for tls, 25 for none).")
    username: str = setting("", "SMTP user name (empty: no authentication).")
    password: str = setting("", "SMTP password for username (never logged or shown).", secret=True)
    from_address: str = setting(
        "", 'Sender of the instance\'s e-mail, e.g. "circlefed <noreply@clinic.example>" (empty: no e-mail is sent).'
    )
    tls: str = setting(
        "starttls", "starttls (upgrade a plain connection), tls (TLS from the start) or none (loopback hosts only)."
    )
    timeout: Duration = setting(30.0, "Total time allowed to hand one message to the SMTP server.")

    @property
    def configured(self) -> bool:
        """E-mail is sent (password links by e-mail) only when both the server and the sender are set."""
        return bool(self.host and self.from_address)

    @property
    def effective_port(self) -> int:
        return self.port or _MAIL_DEFAULT_PORTS.get(self.tls, 587)


@dataclass(frozen=True)
class LoggingSettings:
    level: str = setting("INFO", "Log level: DEBUG, INFO, WARNING or ERROR.")


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
        yield section, key, _EnvString(value)


def _env_name(section: str, key: str) -> str:
    return f"environment variable {ENV_PREFIX}{section.upper()}__{key.upper()}"


class _EnvString(str):
    """A raw environment value, converted to the setting's type when it is validated."""


def _build(raw: Mapping[str, Mapping[str, object]], *, origin: str) -> Settings:
    sections = _section_types()
    built = {}
    for section, values in raw.items():
        if section not in sections:
            env_keys = [k for k, v in values.items() if isinstance(v, _EnvString)]
            where = _env_name(section, env_keys[0]) if env_keys else origin
            raise ConfigError(f"unknown setting section '{section}' ({where}); known: {', '.join(sections)}")
    for section, cls in sections.items():
        built[section] = _build_section(section, cls, raw.get(section, {}), origin)
    derived = not built["instance"].base_url
    if derived:
        built["instance"] = dataclasses.replace(built["instance"], base_url=served_url(built["web"]))
    settings = Settings(**built)
    object.__setattr__(settings, "_derived_base_url", derived)  # replace() derives it again from the new address
    _validate(settings)
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
            where = _env_name(section, key) if isinstance(value, _EnvString) else origin
            raise ConfigError(
                f"unknown setting '{section}.{key}' ({where}); known: {', '.join(sorted(known))}"
            )
        kwargs[key] = _coerce(f"{section}.{key}", hints[key], value)
    return cls(**kwargs)


def _coerce(name: str, kind, value):
    from_env = isinstance(value, _EnvString)
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


def _validate(settings: Settings) -> None:
    _validate_base_url(settings.instance.base_url, settings.federation.allow_http)
    _validate_database_url(settings.database.url)
    if not 0 < settings.web.port < 65536:
        raise ConfigError(f"setting 'web.port' must be between 1 and 65535, got {settings.web.port}")
    if settings.web.max_body_bytes < 1024:
        raise ConfigError("setting 'web.max_body_bytes' must be at least 1024")
    if settings.web.page_cache_entries < 0:
        raise ConfigError(f"setting 'web.page_cache_entries' must be 0 or more, got {settings.web.page_cache_entries}")
    if bool(settings.web.tls_cert) != bool(settings.web.tls_key):
        raise ConfigError("settings 'web.tls_cert' and 'web.tls_key' must be set together")
    for proxy in settings.web.trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(
                f"setting 'web.trusted_proxies' lists {proxy!r}, which is not an address or CIDR"
            ) from None
    if settings.media.max_bytes < 1024:
        raise ConfigError("setting 'media.max_bytes' must be at least 1024")
    unknown = set(settings.confidentiality.facilitator_visibilities) - {"public", "members", "local"}
    if unknown:
        raise ConfigError(
            "setting 'confidentiality.facilitator_visibilities' may list public, members and local, "
            f"got {sorted(unknown)}"
        )
    _validate_mail(settings.mail)
    if settings.logging.level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(
            f"setting 'logging.level' must be DEBUG, INFO, WARNING or ERROR, got {settings.logging.level!r}"
        )


def _validate_mail(mail: MailSettings) -> None:
    if mail.tls not in MAIL_TLS_MODES:
        raise ConfigError(f"setting 'mail.tls' must be starttls, tls or none, got {mail.tls!r}")
    if not 0 <= mail.port < 65536:
        raise ConfigError(f"setting 'mail.port' must be between 0 and 65535, got {mail.port}")
    if mail.timeout <= 0:
        raise ConfigError("setting 'mail.timeout' must be longer than 0 seconds")
    if bool(mail.host) != bool(mail.from_address):
        raise ConfigError("settings 'mail.host' and 'mail.from_address' must be set together (or neither: no e-mail)")
    if bool(mail.username) != bool(mail.password):
        raise ConfigError("settings 'mail.username' and 'mail.password' must be set together")  # never the value
    if mail.from_address and "@" not in parseaddr(mail.from_address)[1]:
        raise ConfigError(
            f"setting 'mail.from_address' must be an e-mail address (name@example.org, optionally \"Name <...>\"),"
            f" got {mail.from_address!r}"
        )
    if mail.host and mail.tls == "none" and not _is_loopback(mail.host):
        raise ConfigError(
            f"setting 'mail.tls' = \"none\" sends the SMTP password and every message in clear: it is allowed only"
            f" for a server on this machine (localhost, 127.0.0.1, ::1), not {mail.host!r}; use starttls or tls"
        )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _validate_base_url(url: str, allow_http: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"setting 'instance.base_url' must be an http(s) URL with a host, got {url!r}")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        raise ConfigError(f"setting 'instance.base_url' must have no path, query or user, got {url!r}")
    host = parts.hostname
    if parts.scheme == "http" and not allow_http and host not in {"localhost", "127.0.0.1", "::1"}:
        raise ConfigError(
            f"setting 'instance.base_url' uses http:// for {host}; use https:// or set federation.allow_http = true"
        )


def _validate_database_url(url: str) -> None:
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in {"sqlite", "postgres", "postgresql"} or not rest:
        raise ConfigError(
            f"setting 'database.url' must be sqlite://PATH or postgres://USER@HOST:PORT/DB, got {url!r}"
        )
    if scheme != "sqlite" and not urlsplit(url).path.strip("/"):
        raise ConfigError(f"setting 'database.url' must name a database, got {url!r}")
