"""Protocol: what an app posts to a member's outbox (ActivityPub client to server, section 6) as one typed request:
a post made, changed or deleted, a circle followed or left, a post liked or its like taken back, a report. A bare
Note, Page or Article is a Create of it (6.2.1). Plain JSON with fixed shapes, as every incoming document here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from circlefed.errors import BadRequest, Forbidden
from circlefed.protocol.html_source import markdown_of_html
from circlefed.protocol.moderation import references, report_category, text_field
from circlefed.protocol.parse import reference_id

POST_TYPES = frozenset({"Note", "Page", "Article"})
SOURCE_TYPES = frozenset({"text/markdown", "text/plain"})
MAX_TEXT_CHARS = 200_000
# The OAuth scope each kind of request needs (Mastodon's granular scopes).
WRITE_STATUSES, WRITE_FOLLOWS, WRITE_FAVOURITES, WRITE_REPORTS = (
    "write:statuses", "write:follows", "write:favourites", "write:reports",
)


class Unchanged:
    """A field an Update leaves as it is (client to server updates are partial: 6.3.1)."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = Unchanged()


@dataclass(frozen=True)
class NewPost:
    """Create of a Note/Page/Article: a thread in the circle it is addressed to, or a reply (inReplyTo)."""

    addressed: tuple[str, ...]  # to, cc, audience of the activity and its object
    title: str | None  # `name`
    text: str  # Markdown source
    content_warning: str | None  # `summary`
    in_reply_to: str | None
    scope = WRITE_STATUSES


@dataclass(frozen=True)
class EditPost:
    object_id: str
    title: str | Unchanged
    text: str | Unchanged
    content_warning: str | Unchanged | None
    scope = WRITE_STATUSES


@dataclass(frozen=True)
class DeletePost:
    object_id: str
    scope = WRITE_STATUSES


@dataclass(frozen=True)
class FollowCircle:
    object_id: str  # the circle's Group
    scope = WRITE_FOLLOWS


@dataclass(frozen=True)
class LikePost:
    object_id: str
    scope = WRITE_FAVOURITES


@dataclass(frozen=True)
class UndoActivity:
    """Undo of a Follow or Like: embedded (`kind` and `object_id` known) or named by its id alone."""

    kind: str | None
    object_id: str | None
    activity_id: str | None

    @property
    def scope(self) -> str:
        return WRITE_FAVOURITES if self.kind == "Like" else WRITE_FOLLOWS


@dataclass(frozen=True)
class ReportPosts:
    object_ids: tuple[str, ...]
    reason: str
    category: str | None
    scope = WRITE_REPORTS


C2SRequest = NewPost | EditPost | DeletePost | FollowCircle | LikePost | UndoActivity | ReportPosts


def parse_c2s(document: dict[str, Any], *, actor_uri: str) -> C2SRequest:
    """The request an outbox POST makes for the member `actor_uri`; Forbidden when it speaks for another actor,
    BadRequest naming what is wrong or not supported otherwise."""
    kind = document.get("type")
    if kind in POST_TYPES:
        document = {"type": "Create", "object": document}
        kind = "Create"
    _check_actor(document.get("actor"), actor_uri, "the activity's actor")
    if kind == "Create":
        return _new_post(document, actor_uri)
    if kind == "Update":
        return _edit(_embedded(document))
    if kind in ("Delete", "Follow", "Like"):
        target = _object_id(document)
        return {"Delete": DeletePost, "Follow": FollowCircle, "Like": LikePost}[kind](target)
    if kind == "Undo":
        return _undo(document, actor_uri)
    if kind == "Flag":
        ids = tuple(references(document.get("object")))
        if not ids:
            raise BadRequest("a Flag names the posts it reports in `object`")
        return ReportPosts(ids, text_field(document, "content", "summary"), report_category(document))
    raise BadRequest(f"activities of type {kind!r} are not supported here" if isinstance(kind, str) else
                     "the document has no type")


def _check_actor(value: Any, actor_uri: str, what: str) -> None:
    if value is None:
        return  # the server sets it (6.2: a Create's actor is copied to attributedTo)
    named = reference_id(value) if not isinstance(value, list) else None
    if named != actor_uri:
        raise Forbidden(f"{what} must be the owner of this outbox")


def _embedded(document: dict) -> dict:
    value = document.get("object")
    if not isinstance(value, dict):
        raise BadRequest(f"a {document.get('type')} carries its object embedded, as a JSON object")
    return value


def _object_id(document: dict) -> str:
    target = reference_id(document.get("object"))
    if not target:
        raise BadRequest(f"a {document.get('type')} names its object in `object`")
    return target


def _new_post(document: dict, actor_uri: str) -> NewPost:
    post = _embedded(document)
    if post.get("type") not in POST_TYPES:
        raise BadRequest("only Note, Page and Article can be created here")
    _check_actor(post.get("attributedTo"), actor_uri, "the object's attributedTo")
    text = _text_of(post)
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("the post has no text: give `content` (HTML) or `source` (Markdown)")
    return NewPost(
        addressed=_addresses(document) + _addresses(post),
        title=_string(post.get("name")),
        text=text,
        content_warning=_string(post.get("summary")),
        in_reply_to=reference_id(post.get("inReplyTo")),
    )


def _edit(post: dict) -> EditPost:
    target = reference_id(post)
    if not target:
        raise BadRequest("an Update names the object it changes by its `id`")
    title = _string(post["name"]) or UNCHANGED if "name" in post else UNCHANGED
    warning = _string(post["summary"]) if "summary" in post else UNCHANGED
    return EditPost(target, title, _text_of(post), warning)


def _undo(document: dict, actor_uri: str) -> UndoActivity:
    value = document.get("object")
    if isinstance(value, dict):
        _check_actor(value.get("actor"), actor_uri, "the undone activity's actor")
        kind = value.get("type")
        if kind not in ("Follow", "Like"):
            raise BadRequest("only a Follow or a Like can be undone here")
        return UndoActivity(kind, _object_id(value), reference_id(value))
    if isinstance(value, str) and value:
        return UndoActivity(None, None, value)
    raise BadRequest("an Undo names the activity it undoes in `object`")


def _text_of(post: dict) -> str | Unchanged:
    """The post's Markdown: its `source` when given as Markdown or plain text, else its HTML `content` made
    Markdown (protocol/html_source.py); UNCHANGED when it has neither."""
    source = post.get("source")
    if isinstance(source, dict) and source.get("mediaType") in SOURCE_TYPES and isinstance(source.get("content"), str):
        return source["content"][:MAX_TEXT_CHARS]
    content = post.get("content")
    if isinstance(content, str):
        return markdown_of_html(content[:MAX_TEXT_CHARS])
    return UNCHANGED


def _addresses(document: dict) -> tuple[str, ...]:
    found: list[str] = []
    for field in ("to", "cc", "audience"):
        value = document.get(field)
        for item in value if isinstance(value, list) else [value]:
            address = reference_id(item)
            if address:
                found.append(address)
    return tuple(found)


def _string(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
