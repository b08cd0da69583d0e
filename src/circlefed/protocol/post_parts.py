"""Protocol: the parts of a remote post that real servers send in several shapes: what it answers, its
attachments, language, tags, sensitivity, quote and poll options, each read into one plain shape."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from circlefed.errors import BadRequest
from circlefed.protocol.parse import is_http_url

COLLECTION_TYPES = frozenset({"Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"})
MAX_ATTACHMENTS = 16
MAX_POLL_OPTIONS = 32
# BCP 47 as servers send it ("en", "pt-BR", "zh-Hant"); "und" (Lemmy's "undetermined") says nothing.
_LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$")
_KINDS = {"Image": "image", "Video": "video", "Audio": "audio"}


@dataclass(frozen=True)
class Attachment:
    """One attached file or link: `kind` is image, video, audio, file or link; `alt` its description."""

    kind: str
    url: str
    media_type: str | None = None
    alt: str | None = None
    sensitive: bool = False


@dataclass(frozen=True)
class Tag:
    """A Hashtag or Mention of the post's `tag` list: its name as written in the text, and where it links."""

    kind: str  # "hashtag" or "mention"
    name: str
    href: str


def reply_target(value: Any) -> str | None:
    """The id an `inReplyTo` names: a URL, a Link (href), an embedded object (id), a list or a Collection (their
    first item). None when there is no inReplyTo; BadRequest when one is there but names nothing usable, so that
    a reply is never taken for a new thread."""
    if value is None or value == [] or value == "":
        return None
    target = _first_target(value, depth=0)
    if target is None:
        raise BadRequest("inReplyTo names no object with an http(s) id")
    return target


def _first_target(value: Any, depth: int) -> str | None:
    if depth > 3:
        return None
    if isinstance(value, str):
        return value if is_http_url(value) else None
    if isinstance(value, list):
        return next((t for item in value if (t := _first_target(item, depth + 1)) is not None), None)
    if not isinstance(value, dict):
        return None
    if value.get("type") in COLLECTION_TYPES:
        items = value.get("orderedItems", value.get("items"))
        return _first_target(items, depth + 1) if items is not None else None
    if value.get("type") == "Link" or ("href" in value and "id" not in value):
        return _first_target(value.get("href"), depth + 1)
    return _first_target(value.get("id"), depth + 1)


def attachments(value: Any) -> tuple[Attachment, ...]:
    """Files and links attached to the post (Mastodon Documents, Pixelfed Images, Lemmy Links), at most
    MAX_ATTACHMENTS; entries without an http(s) URL are left out."""
    items = value if isinstance(value, list) else [value]
    found = [a for item in items if isinstance(item, dict) and (a := _attachment(item)) is not None]
    return tuple(found[:MAX_ATTACHMENTS])


def _attachment(item: dict) -> Attachment | None:
    kind_of_type = item.get("type")
    if kind_of_type in ("PropertyValue", "Hashtag", "Mention", "Emoji"):
        return None  # profile fields and tags that some servers also put in `attachment`
    url, media_type = _url_and_media_type(item)
    if url is None:
        return None
    media_type = media_type if isinstance(media_type, str) else None
    kind = _KINDS.get(str(kind_of_type)) or _kind_of_media(media_type)
    if kind is None:
        kind = "link" if kind_of_type == "Link" else "file"
    alt = item.get("name") if isinstance(item.get("name"), str) and item["name"].strip() else None
    return Attachment(kind, url, media_type, alt.strip()[:1500] if alt else None, item.get("sensitive") is True)


def _url_and_media_type(item: dict) -> tuple[str | None, Any]:
    """`url` (a string, a Link, or a list of Links: the first usable) or a Link's `href`."""
    media_type = item.get("mediaType")
    url = item.get("url") if item.get("type") != "Link" else item.get("href")
    candidates = url if isinstance(url, list) else [url]
    for candidate in candidates:
        if isinstance(candidate, dict):
            href = candidate.get("href")
            if isinstance(href, str) and is_http_url(href):
                return href, media_type or candidate.get("mediaType")
        elif isinstance(candidate, str) and is_http_url(candidate):
            return candidate, media_type
    return None, None


def _kind_of_media(media_type: str | None) -> str | None:
    prefix = (media_type or "").partition("/")[0].lower()
    return prefix if prefix in ("image", "video", "audio") else None


def language(document: dict) -> str | None:
    """The language of the shown text: the `contentMap` key whose text is `content` (or its only key), else
    Lemmy's `language.identifier`; None when unknown or not a language tag."""
    content, content_map = document.get("content"), document.get("contentMap")
    candidates: list[Any] = []
    if isinstance(content_map, dict):
        matching = [key for key, text in content_map.items() if text == content]
        candidates += matching or list(content_map)[:1]
    lemmy = document.get("language")
    if isinstance(lemmy, dict):
        candidates.append(lemmy.get("identifier"))
    return next((c for c in candidates if isinstance(c, str) and _LANGUAGE_RE.match(c) and c != "und"), None)


def tags(value: Any) -> tuple[Tag, ...]:
    """Hashtags and Mentions with a name and an http(s) href (Emoji and others are left out)."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if not isinstance(item, dict) or item.get("type") not in ("Hashtag", "Mention"):
            continue
        name, href = item.get("name"), item.get("href")
        if isinstance(name, str) and name.strip() and isinstance(href, str) and is_http_url(href):
            found.append(Tag("hashtag" if item["type"] == "Hashtag" else "mention", name.strip(), href))
    return tuple(found)


def is_sensitive(document: dict, attached: tuple[Attachment, ...]) -> bool:
    """`sensitive: true` on the post (Mastodon, Lemmy's NSFW) or on any attachment (Misskey marks files)."""
    return document.get("sensitive") is True or any(a.sensitive for a in attached)


def quote_url(document: dict) -> str | None:
    """The post quoted, as Misskey, Sharkey and Fedibird name it (quoteUrl, _misskey_quote, quoteUri)."""
    for field in ("quoteUrl", "_misskey_quote", "quoteUri", "quote"):
        value = document.get(field)
        if isinstance(value, str) and is_http_url(value):
            return value
    return None


def poll_options(document: dict) -> tuple[str, ...]:
    """A Question's answers (oneOf or anyOf), by name."""
    if document.get("type") != "Question":
        return ()
    options = document.get("oneOf") or document.get("anyOf") or []
    names = (o.get("name") for o in options if isinstance(o, dict)) if isinstance(options, list) else ()
    return tuple(name.strip() for name in names if isinstance(name, str) and name.strip())[:MAX_POLL_OPTIONS]
