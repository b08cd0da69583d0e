"""Protocol: HTTP signatures' header values: Date, Host and the target, written for sending and read strictly."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from circlefed.errors import SignatureError

DEFAULT_PORTS = {"http": 80, "https": 443}
_HOSTNAME = re.compile(r"[a-z0-9._-]+|\[[0-9a-f:.]+\]")


def format_http_date(now: datetime) -> str:
    """IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`."""
    return format_datetime(require_aware(now).astimezone(UTC), usegmt=True)


def http_date(value: str) -> datetime:
    """The Date header's time (GMT when it names no zone); SignatureError unless it is an HTTP date."""
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise SignatureError(f"Date header {value!r} is not an HTTP date") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def require_aware(now: datetime) -> datetime:
    """`now` itself, refused (ValueError) when it carries no time zone: a naive time is a programming error."""
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now


def header_values(lines: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lowercase name -> value; repeated ordinary headers are joined with ", " as cavage prescribes."""
    values: dict[str, str] = {}
    for name, value in lines:
        key = name.lower()
        values[key] = f"{values[key]}, {value}" if key in values else value
    return values


def b64decode(value: str, what: str) -> bytes:
    """Strict base64 of a header value; SignatureError naming `what` otherwise."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"{what} is not valid base64") from exc


def split_url(url: str) -> tuple[str, str]:
    """(authority for Host, raw path with query) of an absolute http(s) URL; the default port is dropped."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError as exc:
        raise SignatureError(f"URL {url!r} has an invalid port") from exc
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise SignatureError(f"URL {url!r} is not an absolute http(s) URL")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    authority = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path_qs = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return authority, path_qs


def normalise_authority(authority: str, url_scheme: str) -> str:
    """Lowercase host without trailing dot, plus the port unless it is the scheme's default."""
    host, port_text = _split_authority(authority.strip().lower())
    if not _HOSTNAME.fullmatch(host) or (port_text and not port_text.isdigit()):
        raise SignatureError(f"host {authority!r} is malformed")
    port = int(port_text) if port_text else None
    if port in (None, DEFAULT_PORTS.get(url_scheme)):
        return host
    return f"{host}:{port}"


def _split_authority(text: str) -> tuple[str, str]:
    if text.startswith("["):  # IPv6 literal: its colons are not the port separator
        host, bracket, rest = text.partition("]")
        host += bracket
    else:
        host, colon, port = text.partition(":")
        rest = colon + port
    if rest and (not rest.startswith(":") or rest == ":"):
        raise SignatureError(f"host {text!r} is malformed")
    return host.rstrip("."), rest[1:]
