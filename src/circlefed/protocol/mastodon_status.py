"""Protocol: Mastodon's Status and the Account it names, rendered from plain values (a thread's title becomes a
bold first line: Mastodon has no titles)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape


@dataclass(frozen=True)
class AccountFacts:
    """An account as the reader may see it (the caller decides: a pseudonym in a confidential circle is one)."""

    id: str
    username: str
    acct: str
    display_name: str
    url: str
    uri: str
    avatar: str
    header: str
    created_at: datetime | None = None
    group: bool = False


@dataclass(frozen=True)
class StatusFacts:
    id: str
    uri: str
    url: str
    created_at: datetime
    edited_at: datetime | None
    account: AccountFacts
    content_html: str
    content_warning: str | None
    public: bool  # the circle (and the row's audience) is public now; else "private"
    title: str | None = None  # a thread's
    in_reply_to_id: str | None = None
    in_reply_to_account_id: str | None = None
    replies_count: int = 0
    favourites_count: int = 0
    favourited: bool = False
    circle: AccountFacts | None = None  # a thread mentions its circle


def iso(moment: datetime) -> str:
    """Mastodon's timestamps: ISO 8601 in UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def render_account(facts: AccountFacts) -> dict:
    created = facts.created_at or datetime(1970, 1, 1, tzinfo=UTC)
    return {
        "id": facts.id,
        "username": facts.username,
        "acct": facts.acct,
        "display_name": facts.display_name,
        "locked": False,
        "bot": False,
        "group": facts.group,
        "discoverable": False,
        "indexable": False,
        "created_at": iso(created.replace(hour=0, minute=0, second=0, microsecond=0)),
        "last_status_at": None,
        "note": "",
        "url": facts.url,
        "uri": facts.uri,
        "avatar": facts.avatar,
        "avatar_static": facts.avatar,
        "header": facts.header,
        "header_static": facts.header,
        "followers_count": 0,
        "following_count": 0,
        "statuses_count": 0,
        "emojis": [],
        "fields": [],
    }


def status_content(title: str | None, content_html: str) -> str:
    if title is None:
        return content_html
    return f"<p><strong>{escape(title)}</strong></p>{content_html}"


def render_status(facts: StatusFacts) -> dict:
    mentions = []
    if facts.circle is not None:
        circle = facts.circle
        mentions.append({"id": circle.id, "username": circle.username, "url": circle.url, "acct": circle.acct})
    return {
        "id": facts.id,
        "uri": facts.uri,
        "url": facts.url,
        "created_at": iso(facts.created_at),
        "edited_at": iso(facts.edited_at) if facts.edited_at else None,
        "account": render_account(facts.account),
        "content": status_content(facts.title, facts.content_html),
        "spoiler_text": facts.content_warning or "",
        "sensitive": bool(facts.content_warning),
        "visibility": "public" if facts.public else "private",
        "in_reply_to_id": facts.in_reply_to_id,
        "in_reply_to_account_id": facts.in_reply_to_account_id,
        "replies_count": facts.replies_count,
        "reblogs_count": 0,
        "favourites_count": facts.favourites_count,
        "favourited": facts.favourited,
        "reblogged": False,
        "bookmarked": False,
        "muted": False,
        "pinned": False,
        "language": None,
        "reblog": None,
        "mentions": mentions,
        "tags": [],
        "emojis": [],
        "media_attachments": [],
        "card": None,
        "poll": None,
        "application": None,
    }
