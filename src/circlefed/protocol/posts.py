"""Protocol: parsing remote threads and replies (Page, Article, Note) as plain JSON with strict shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from circlefed.errors import BadRequest
from circlefed.protocol import post_parts as parts
from circlefed.protocol.parse import is_http_url, reference_id
from circlefed.protocol.remote_html import prepare_remote_html
from circlefed.protocol.vocab import PUBLIC

# Thread-like objects from Lemmy/PieFed (Page), NodeBB (Article) and microblogs (Note; a poll is a Question).
POST_TYPES = frozenset({"Page", "Article", "Note", "Question"})
PUBLIC_ADDRESSES = frozenset({PUBLIC, "as:Public", "Public"})
MAX_CONTENT_CHARS = 200_000


@dataclass(frozen=True)
class RemotePost:
    """The fields circlefed reads from a remote post; everything else in the document is ignored."""

    uri: str
    type: str
    author_uri: str
    content_html: str
    name: str | None
    source: str | None
    summary: str | None
    in_reply_to: str | None
    published: datetime | None
    updated: datetime | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    audience: str | None
    mentions: tuple[str, ...]
    sensitive: bool = False  # the post or one of its attachments is marked sensitive
    language: str | None = None  # of the shown text (BCP 47)

    @property
    def addressed(self) -> tuple[str, ...]:
        """Every id the post is addressed to (to, cc, audience), in that order."""
        return (*self.to, *self.cc, *((self.audience,) if self.audience else ()))

    @property
    def is_public(self) -> bool:
        return any(address in PUBLIC_ADDRESSES for address in (*self.to, *self.cc))


def parse_post(document: Any) -> RemotePost:
    """A Page/Article/Note document; BadRequest names what is wrong (wrong type, no id, no author)."""
    if not isinstance(document, dict):
        raise BadRequest("the object is not embedded as a JSON object")
    kind = document.get("type")
    if kind not in POST_TYPES:
        raise BadRequest(f"unsupported object type {kind!r}")
    uri = document.get("id")
    if not isinstance(uri, str) or not is_http_url(uri):
        raise BadRequest("the object has no http(s) id")
    author = _author(document.get("attributedTo"))
    if author is None:
        raise BadRequest("the object has no single author in attributedTo")
    return RemotePost(
        uri=uri,
        type=kind,
        author_uri=author,
        content_html=_content(document),
        name=_text(document.get("name")),
        source=_markdown_source(document.get("source")),
        summary=_text(document.get("summary")),
        in_reply_to=parts.reply_target(document.get("inReplyTo")),
        published=parse_datetime(document.get("published")),
        updated=parse_datetime(document.get("updated")),
        to=_addresses(document.get("to")),
        cc=_addresses(document.get("cc")),
        audience=_single_url(document.get("audience")),
        mentions=_mentions(document.get("tag")),
        sensitive=parts.is_sensitive(document, parts.attachments(document.get("attachment"))),
        language=parts.language(document),
    )


def parse_datetime(value: Any) -> datetime | None:
    """xsd:dateTime as sent by Mastodon, Lemmy, NodeBB and PieFed; None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _author(value: Any) -> str | None:
    # Lemmy and PeerTube may send [Person, Group]; the Person (or the first plain id) is the author.
    if isinstance(value, list):
        people = [v for v in value if isinstance(v, str) or (isinstance(v, dict) and v.get("type") == "Person")]
        value = people[0] if len(people) == 1 else None
    author = reference_id(value)
    return author if author and is_http_url(author) else None


def _content(document: dict) -> str:
    content = document.get("content")
    if not isinstance(content, str):
        content_map = document.get("contentMap")
        values = content_map.values() if isinstance(content_map, dict) else ()
        content = next((v for v in values if isinstance(v, str)), "")
    return prepare_remote_html(
        content[:MAX_CONTENT_CHARS],
        tags=parts.tags(document.get("tag")),
        attached=parts.attachments(document.get("attachment")),
        quote=parts.quote_url(document),
        poll=parts.poll_options(document),
    )


def _markdown_source(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("mediaType") == "text/markdown":
        content = value.get("content")
        return content[:MAX_CONTENT_CHARS] if isinstance(content, str) else None
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _addresses(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(address for item in items if isinstance(address := reference_id(item), str))


def _single_url(value: Any) -> str | None:
    url = reference_id(value)
    return url if url and is_http_url(url) else None


def _mentions(value: Any) -> tuple[str, ...]:
    tags = value if isinstance(value, list) else [value]
    return tuple(
        tag["href"]
        for tag in tags
        if isinstance(tag, dict) and tag.get("type") == "Mention" and isinstance(tag.get("href"), str)
    )
