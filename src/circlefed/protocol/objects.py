"""Protocol: rendering threads (Page), replies (Note), Tombstones and the activities that carry them as AS2."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from circlefed.protocol.vocab import PUBLIC, format_datetime, with_context


@dataclass(frozen=True)
class Audience:
    """Who a circle's objects are addressed to (PROTOCOL.md content addressing, FEP-1b12 `audience`)."""

    circle_uri: str
    followers_uri: str
    circle_handle: str  # "@slug@domain": the Mention tag that makes Mastodon replies reach the circle
    is_public: bool = True

    @property
    def to(self) -> list[str]:
        # Public circles: [circle, Public]; confidential ones: [circle, followers], never Public.
        return [self.circle_uri, PUBLIC] if self.is_public else [self.circle_uri, self.followers_uri]

    @property
    def mention(self) -> dict:
        return {"type": "Mention", "href": self.circle_uri, "name": self.circle_handle}


@dataclass(frozen=True)
class Mentioned:
    """Someone a post mentions: their actor, and `@name@domain` when they have a name."""

    uri: str
    handle: str | None = None

    def tag(self) -> dict:
        return {"type": "Mention", "href": self.uri} | ({"name": self.handle} if self.handle else {})


@dataclass(frozen=True)
class PostDocument:
    """A thread (title set: Page) or a reply (in_reply_to set: Note), with everything its document shows."""

    uri: str
    author_uri: str
    audience: Audience
    content_html: str
    source: str
    published: datetime
    context_uri: str
    title: str | None = None  # already carrying its `[CW: …]` prefix
    in_reply_to: str | None = None
    content_warning: str | None = None
    updated: datetime | None = None
    replies_uri: str | None = None
    replying_to: Mentioned | None = None  # a reply's answered author (cc and a Mention)
    mentions: tuple[Mentioned, ...] = ()  # the people its text names (a Mention each)

    @property
    def type(self) -> str:
        return "Note" if self.in_reply_to else "Page"


def render_post(post: PostDocument, *, context: bool = True) -> dict:
    """SPEC: PROTOCOL.md content: Page (thread) / Note (reply), addressed to the circle, with audience/context."""
    document: dict = {
        "id": post.uri,
        "type": post.type,
        "attributedTo": post.author_uri,
        "to": post.audience.to,
        "cc": [],
        "audience": post.audience.circle_uri,
        "context": post.context_uri,
        "content": post.content_html,
        "mediaType": "text/html",
        "source": {"content": post.source, "mediaType": "text/markdown"},
        "published": format_datetime(post.published),
        "url": post.uri,
        "tag": [post.audience.mention],
    }
    if post.title is not None:
        document["name"] = post.title
    if post.in_reply_to:
        document["inReplyTo"] = post.in_reply_to
    if post.replying_to is not None:
        document["cc"] = [post.replying_to.uri]
        document["tag"].append(post.replying_to.tag())
    tagged = {tag["href"] for tag in document["tag"]}
    document["tag"].extend(named.tag() for named in post.mentions if named.uri not in tagged)
    if post.content_warning:
        # A content warning on Mastodon; never `sensitive` (Lemmy would read it as NSFW).
        document["summary"] = post.content_warning
    if post.updated is not None:
        document["updated"] = format_datetime(post.updated)
    if post.replies_uri:
        document["replies"] = post.replies_uri
    return with_context(document) if context else document


def render_tombstone(uri: str, former_type: str, deleted: datetime | None, *, context: bool = True) -> dict:
    document: dict = {"id": uri, "type": "Tombstone", "formerType": former_type}
    if deleted is not None:
        document["deleted"] = format_datetime(deleted)
    return with_context(document) if context else document


def _strip_context(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "@context"}


def render_create(uri: str, actor_uri: str, post: dict, published: datetime) -> dict:
    """Create/Update carry the object's own to and cc (Lemmy requires both fields)."""
    return _authoring("Create", uri, actor_uri, post, published)


def render_update(uri: str, actor_uri: str, post: dict, published: datetime) -> dict:
    return _authoring("Update", uri, actor_uri, post, published)


def _authoring(kind: str, uri: str, actor_uri: str, post: dict, published: datetime) -> dict:
    embedded = _strip_context(post)
    document = {
        "id": uri,
        "type": kind,
        "actor": actor_uri,
        "to": list(embedded.get("to", [])),
        "cc": list(embedded.get("cc", [])),
        "object": embedded,
        "published": format_datetime(published),
    }
    if "audience" in embedded:
        document["audience"] = embedded["audience"]
    return with_context(document)


def render_delete(uri: str, actor_uri: str, tombstone: dict, audience: Audience, published: datetime) -> dict:
    return with_context(
        {
            "id": uri,
            "type": "Delete",
            "actor": actor_uri,
            "to": audience.to,
            "cc": [],
            "audience": audience.circle_uri,
            "object": _strip_context(tombstone),
            "published": format_datetime(published),
        }
    )


def render_announce(uri: str, audience: Audience, announced: dict | str, published: datetime) -> dict:
    """SPEC: fep-1b12 announce: the Group relays `announced` exactly as received (its @context included)."""
    cc = [audience.followers_uri] if audience.is_public else []
    return with_context(
        {
            "id": uri,
            "type": "Announce",
            "actor": audience.circle_uri,
            "to": audience.to,
            "cc": cc,
            "audience": audience.circle_uri,
            "object": announced,
            "published": format_datetime(published),
        }
    )


def render_follow(uri: str, actor_uri: str, object_uri: str) -> dict:
    return with_context({"id": uri, "type": "Follow", "actor": actor_uri, "object": object_uri, "to": [object_uri]})


def follow_reference(uri: str, actor_uri: str, object_uri: str) -> dict:
    """A Follow as embedded in Accept/Reject/Undo when the original document is not at hand."""
    return {"id": uri, "type": "Follow", "actor": actor_uri, "object": object_uri}


def render_response(kind: str, uri: str, actor_uri: str, follow: dict, to_uri: str, *, summary: str = "") -> dict:
    """Accept or Reject of a Follow: the Follow embedded (Lemmy and Mastodon match it by id); `summary`: why."""
    if kind not in ("Accept", "Reject"):
        raise ValueError(f"not a Follow response: {kind}")
    document = {"id": uri, "type": kind, "actor": actor_uri, "to": [to_uri], "object": _strip_context(follow)}
    return with_context(document | ({"summary": summary} if summary else {}))


def render_undo(uri: str, actor_uri: str, undone: dict, to_uri: str) -> dict:
    undone = _strip_context(undone)
    return with_context({"id": uri, "type": "Undo", "actor": actor_uri, "to": [to_uri], "object": undone})


def render_collection(uri: str, items: list, *, total: int | None = None, attributed_to: str | None = None) -> dict:
    """An OrderedCollection with inline items (no paging: callers cap the list)."""
    document: dict = {"id": uri, "type": "OrderedCollection", "totalItems": len(items) if total is None else total}
    if attributed_to is not None:
        document["attributedTo"] = attributed_to
    document["orderedItems"] = items
    return with_context(document)


def render_count(uri: str, total: int) -> dict:
    """A collection that says how many, never who (followers: PROTOCOL.md, attack 17; Lemmy's shape)."""
    return with_context({"id": uri, "type": "Collection", "totalItems": total, "items": []})
