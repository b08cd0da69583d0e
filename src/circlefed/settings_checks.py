"""Root: the checks of built settings that a key's type alone cannot make (addresses, ranges, keys set in pairs)."""

from __future__ import annotations

import ipaddress
from email.utils import parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from circlefed.errors import ConfigError
from circlefed.settings_sections import MAIL_TLS_MODES, MailSettings

if TYPE_CHECKING:
    from circlefed.settings import Settings


def validate_settings(settings: Settings) -> None:
    """Raise ConfigError naming the first key whose value has the right type but cannot be used."""
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
