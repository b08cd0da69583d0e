"""Protocol: private messages as direct Notes: addressed to one actor only, and what makes a received one direct."""

from __future__ import annotations

from datetime import datetime

from circlefed.protocol.posts import RemotePost
from circlefed.protocol.vocab import format_datetime, with_context

FOLLOWERS_SUFFIX = "/followers"


def render_direct_note(
    *,
    uri: str,
    author_uri: str,
    recipient_uri: str,
    recipient_handle: str,
    content_html: str,
    published: datetime,
    in_reply_to: str | None = None,
) -> dict:
    """SPEC: FEDERATION.md direct messages: a Note to one actor only (no cc, no Public, no followers) with a
    Mention of them, as Mastodon sends a direct message; `in_reply_to` is the last message they sent."""
    document: dict = {
        "id": uri,
        "type": "Note",
        "attributedTo": author_uri,
        "to": [recipient_uri],
        "cc": [],
        "content": content_html,
        "mediaType": "text/html",
        "published": format_datetime(published),
        "tag": [{"type": "Mention", "href": recipient_uri, "name": recipient_handle}],
    }
    if in_reply_to:
        document["inReplyTo"] = in_reply_to
    return with_context(document)


def addressing_refusal(post: RemotePost, sender_followers_uri: str | None) -> str | None:
    """Why a received Note cannot be a private message because of whom it is addressed to (None: it can)."""
    if post.is_public:
        return "it is addressed to Public"
    for address in post.addressed:
        if address == sender_followers_uri or address.endswith(FOLLOWERS_SUFFIX):
            return "it is addressed to followers"
    return None
