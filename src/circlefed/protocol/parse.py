"""Protocol: strict parsing of incoming ActivityStreams JSON as plain JSON with fixed shapes (never JSON-LD)."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from circlefed.errors import BadRequest

MAX_DEPTH = 32
ACTOR_TYPES = frozenset({"Person", "Group", "Application", "Service", "Organization"})


@dataclass(frozen=True)
class ParsedActivity:
    """The fields every handler relies on, checked; `raw` keeps the document exactly as received."""

    id: str
    type: str
    actor: str
    object_id: str | None
    raw: dict[str, Any]


def load_json_document(body: bytes) -> dict[str, Any]:
    """Decode a JSON object; BadRequest for invalid UTF-8/JSON, a non-object, nesting past MAX_DEPTH, or what
    a database cannot store as JSON (NaN/Infinity, NUL characters): one such document stored with others in a
    batch would make the whole batch fail."""
    return load_json_text(body)[0]


def load_json_text(body: bytes) -> tuple[dict[str, Any], str]:
    """load_json_document, also returning the document's text (UTF-8 decoded, BOM removed) to store as is."""
    try:
        text = body.decode("utf-8-sig")
        document = _DECODER.decode(text)
    except RecursionError:
        # SPEC: PROTOCOL.md attack 11: RecursionError is not a ValueError; it must not become a 500.
        raise BadRequest("the JSON document is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc.__class__.__name__}") from None
    if not isinstance(document, dict):
        raise BadRequest("the JSON document must be an object")
    if _may_nest_too_deeply(text) and _depth(document) > MAX_DEPTH:
        raise BadRequest("the JSON document is nested too deeply")
    # Only \u escapes can put a NUL or a lone surrogate (which PostgreSQL's jsonb refuses) in a document.
    if "\\u" in text and _has_unstorable_string(document):
        raise BadRequest("the JSON document contains a NUL character or an unpaired surrogate")
    return document, text


def _has_unstorable_string(document: dict[str, Any]) -> bool:
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or not _is_valid_unicode(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _is_valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _may_nest_too_deeply(text: str) -> bool:
    # Nesting can be no deeper than the number of opening brackets: most documents need no walk at all.
    return text.count("{") + text.count("[") > MAX_DEPTH


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


# One decoder for every document (json.loads with an option builds a new decoder and scanner on each call).
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _depth(value: Any, level: int = 1) -> int:
    stack = [(value, level)]
    deepest = level
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def parse_activity(document: dict[str, Any]) -> ParsedActivity:
    """Check the activity shape: string id (absolute http(s) URL), type, and actor (URL or object with id)."""
    activity_id = _require_url(document.get("id"), "id")
    activity_type = document.get("type")
    if not isinstance(activity_type, str) or not activity_type:
        raise BadRequest("the activity has no 'type' string")
    actor = reference_id(document.get("actor"))
    if actor is None:
        raise BadRequest("the activity has no 'actor' (a URL or an object with an 'id')")
    _require_url(actor, "actor")
    return ParsedActivity(
        id=activity_id, type=activity_type, actor=actor, object_id=reference_id(document.get("object")), raw=document
    )


def reference_id(value: Any) -> str | None:
    """The id of a reference that is either a URL string or an object with a string id."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _require_url(value: Any, field: str) -> str:
    if not isinstance(value, str) or not is_http_url(value):
        raise BadRequest(f"'{field}' must be an absolute http(s) URL")
    return value


def is_http_url(value: str) -> bool:
    return origin(value) is not None


# The common shape of an id: scheme://host[:port]/... with a plain lowercase host. Anything else (userinfo,
# IPv6 literals, uppercase, odd ports) goes through urlsplit. Origin checks run several times per inbox POST.
_PLAIN_ORIGIN = re.compile(r"^(https?)://([a-z0-9.-]+?)\.?(?::([0-9]{1,5}))?(?:[/?#]|$)")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.lru_cache(maxsize=16384)
def origin(url: str) -> tuple[str, str] | None:
    """(scheme, authority) of an absolute http(s) URL, or None if it is not one; authority as in authority().

    Cached: an inbox POST asks about the same few ids (activity, actor, keyId, object) about ten times."""
    match = _PLAIN_ORIGIN.match(url)
    if match is not None and " " not in url:
        scheme, host, port = match.groups()
        host = host.rstrip(".")
        if host and (port is None or int(port) == _DEFAULT_PORTS[scheme]):
            return scheme, host
        if host and 0 < int(port) < 65536:
            return scheme, f"{host}:{int(port)}"
    return _origin_slow(url)


def _origin_slow(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or " " in url:
        return None
    host = parts.hostname.rstrip(".")
    if not host:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return parts.scheme, host
    return parts.scheme, f"{host}:{port}"


def authority(url: str) -> str:
    """host[:port] of a URL, lowercase, trailing dot removed, default port dropped: the domain of an id."""
    found = origin(url)
    if found is None:
        raise BadRequest(f"{url!r} is not an absolute http(s) URL with a valid port")
    return found[1]


def same_origin(url_a: str, url_b: str) -> bool:
    first, second = origin(url_a), origin(url_b)
    return first is not None and first == second
