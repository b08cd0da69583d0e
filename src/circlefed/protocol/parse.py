"""Protocol: strict parsing of incoming ActivityStreams JSON as plain JSON with fixed shapes (never JSON-LD)."""

from __future__ import annotations

import functools
import json
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
    """Decode a JSON object; BadRequest for invalid UTF-8/JSON, a non-object, or nesting past MAX_DEPTH."""
    try:
        document = json.loads(body)
    except RecursionError:
        # SPEC: PROTOCOL.md attack 11: RecursionError is not a ValueError; it must not become a 500.
        raise BadRequest("the JSON document is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc.__class__.__name__}") from None
    if not isinstance(document, dict):
        raise BadRequest("the JSON document must be an object")
    if _depth(document) > MAX_DEPTH:
        raise BadRequest("the JSON document is nested too deeply")
    return document


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
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and " " not in value


@functools.lru_cache(maxsize=8192)
def authority(url: str) -> str:
    """host[:port] of a URL, lowercase, trailing dot removed, default port dropped: the domain of an id."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        raise BadRequest(f"invalid port in {url!r}") from None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    if port is None or port == default:
        return host
    return f"{host}:{port}"


def same_origin(url_a: str, url_b: str) -> bool:
    return authority(url_a) == authority(url_b) and urlsplit(url_a).scheme == urlsplit(url_b).scheme
