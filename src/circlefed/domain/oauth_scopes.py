"""Domain: OAuth scopes: Mastodon's top-level and granular scopes, which grant covers which, and what each
lets an app do, in plain words for the consent page and the Apps list on /account."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidScopeError
from authlib.oauth2.rfc6749.util import scope_to_list

TOP_LEVEL = ("read", "write", "follow", "push", "profile")
_READ = ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists", "mutes", "notifications",
         "search", "statuses")
_WRITE = ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters", "follows", "lists", "media",
          "mutes", "notifications", "reports", "statuses")
GRANULAR = tuple(f"read:{part}" for part in _READ) + tuple(f"write:{part}" for part in _WRITE)
SUPPORTED = TOP_LEVEL + GRANULAR
# Mastodon's deprecated `follow` grants the relationship scopes of both kinds.
_UNDER_FOLLOW = frozenset({"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes",
                           "write:mutes"})
DEFAULT = ("read",)  # what an app gets when it names none (Mastodon's default)
MAX_SCOPES = 40

_TOP_WORDS = {
    "read": "See everything you can see here: your circles, their threads and replies, your profile and your "
            "notifications.",
    "write": "Post, reply, edit and delete in your name, like posts, change your profile and send reports.",
    "follow": "Join and leave circles for you.",
    "push": "Send you notifications on your device.",
    "profile": "See your username and the name you show (nothing else).",
}
_PART_WORDS = {
    "accounts": "profiles", "blocks": "blocked accounts", "bookmarks": "bookmarks", "conversations": "conversations",
    "favourites": "likes", "filters": "filters", "follows": "the circles you joined", "lists": "lists",
    "media": "uploads", "mutes": "muted accounts", "notifications": "notifications", "reports": "reports",
    "search": "search", "statuses": "posts and replies",
}


def parse_scopes(text: str | None, *, default: tuple[str, ...] = DEFAULT) -> tuple[str, ...]:
    """The scopes a request names (space separated; `+` too, as some apps send them), each once, in order;
    none: `default`. Unknown scopes are refused (invalid_scope), naming them."""
    words = scope_to_list((text or "").replace("+", " ")) or []
    if not words:
        return default
    if len(words) > MAX_SCOPES:
        raise InvalidScopeError(description=f"At most {MAX_SCOPES} scopes can be asked for.")
    unknown = [word for word in words if word not in SUPPORTED]
    if unknown:
        shown = " ".join(sorted(set(unknown)))[:200]
        raise InvalidScopeError(description=f"Unknown scope: {ascii_only(shown)}. Supported: {' '.join(TOP_LEVEL)} "
                                "and the granular read:... and write:... scopes.")
    return tuple(dict.fromkeys(words))


def covers(granted: tuple[str, ...] | frozenset[str], scope: str) -> bool:
    """Whether a grant of `granted` allows `scope`: itself, its parent (read covers read:statuses), or follow."""
    if scope in granted:
        return True
    parent = scope.split(":", 1)[0]
    return (parent != scope and parent in granted) or (scope in _UNDER_FOLLOW and "follow" in granted)


def covers_any(granted: tuple[str, ...], scopes: tuple[str, ...]) -> bool:
    return any(covers(granted, scope) for scope in scopes)


def check_within(requested: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    """Refuse (invalid_scope) a request for scopes the app was not registered with."""
    beyond = [scope for scope in requested if not covers(allowed, scope)]
    if beyond:
        raise InvalidScopeError(description=f"The app was not registered for: {' '.join(beyond)}.")


def describe(scopes: tuple[str, ...]) -> list[str]:
    """One sentence per granted scope (a granular one under a granted parent says nothing more)."""
    sentences = []
    for scope in scopes:
        if scope in _TOP_WORDS:
            sentences.append(_TOP_WORDS[scope])
        elif not covers(tuple(s for s in scopes if s != scope), scope):
            kind, part = scope.split(":", 1)
            verb = "See your" if kind == "read" else "Change your"
            sentences.append(f"{verb} {_PART_WORDS.get(part, part)}.")
    return sentences


def as_text(scopes: tuple[str, ...]) -> str:
    return " ".join(scopes)


def ascii_only(text: str) -> str:
    """Text safe inside an OAuth error_description (RFC 6749: printable ASCII without quote or backslash)."""
    return "".join(c if 0x20 <= ord(c) <= 0x7E and c not in "\"\\" else "?" for c in text)
