"""Protocol: moderation activities in Lemmy's shapes (Lock, Block, Add/Remove, Flag, Resolve, Undo) in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from circlefed.protocol.objects import Audience
from circlefed.protocol.parse import reference_id
from circlefed.protocol.vocab import format_datetime, with_context

MAX_REASON = 2000


def text_field(document: dict, *names: str) -> str:
    """The first of these fields that is a string (a reason: `summary` for Lemmy, `content` for Mastodon)."""
    for name in names:
        value = document.get(name)
        if isinstance(value, str):
            return value.strip()[:MAX_REASON]
    return ""


def report_category(document: dict) -> str | None:
    """A Flag's `reportCategory` (circlefed's extension), as sent; None when absent (Lemmy, Mastodon)."""
    value = document.get("reportCategory")
    return value.strip() if isinstance(value, str) and value.strip() else None


def references(value: Any) -> list[str]:
    """The ids of a reference or a list of them (Mastodon's Flag names the account and statuses in a list)."""
    items = value if isinstance(value, list) else [value]
    return [uri for uri in (reference_id(item) for item in items) if uri]


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 instant with its offset (Block's `endTime` or `expires`); None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _addressed(kind: str, uri: str, actor_uri: str, audience: Audience, published: datetime, **fields) -> dict:
    # Lemmy's moderation activities: to the circle (and Public for public circles), `audience` the circle.
    document = {"id": uri, "type": kind, "actor": actor_uri, "to": audience.to, "cc": [], **fields}
    document["audience"] = audience.circle_uri
    document["published"] = format_datetime(published)
    return with_context(document)


def render_lock(
    uri: str, actor_uri: str, object_uri: str, audience: Audience, reason: str, published: datetime
) -> dict:
    """Lemmy `community/lock_page.json`: Lock{object: post, summary: reason}."""
    fields = {"object": object_uri, **({"summary": reason} if reason else {})}
    return _addressed("Lock", uri, actor_uri, audience, published, **fields)


def render_collection_change(
    kind: str, uri: str, actor_uri: str, object_uri: str, target_uri: str, audience: Audience, published: datetime
) -> dict:
    """Add/Remove of a thread to `<group>/featured` (pin) or of a person to `<group>/moderators`."""
    if kind not in ("Add", "Remove"):
        raise ValueError(f"not a collection change: {kind}")
    return _addressed(kind, uri, actor_uri, audience, published, object=object_uri, target=target_uri)


def render_block(
    uri: str,
    actor_uri: str,
    person_uri: str,
    audience: Audience,
    *,
    reason: str,
    expires: datetime | None,
    remove_data: bool,
    published: datetime,
) -> dict:
    """Lemmy `block/block_user.json`: Block{object: person, target: circle, summary, removeData, endTime}."""
    fields: dict = {"object": person_uri, "target": audience.circle_uri, "removeData": remove_data}
    if reason:
        fields["summary"] = reason
    if expires is not None:
        # Lemmy 0.19 reads `expires`, newer versions `endTime`: send both.
        fields["expires"] = fields["endTime"] = format_datetime(expires)
    return _addressed("Block", uri, actor_uri, audience, published, **fields)


def render_moderation_undo(uri: str, actor_uri: str, undone: dict, audience: Audience, published: datetime) -> dict:
    inner = {key: value for key, value in undone.items() if key != "@context"}
    return _addressed("Undo", uri, actor_uri, audience, published, object=inner)


def render_flag(
    uri: str, actor_uri: str, object_uris: list[str], circle_uri: str | None, reason: str, category: str | None = None
) -> dict:
    """Lemmy `community/report_page.json`: Flag{to: [circle], object, summary}; `content` too for Mastodon;
    `reportCategory` (circlefed's extension: why the member reported, see FEDERATION.md)."""
    document: dict = {"id": uri, "type": "Flag", "actor": actor_uri}
    document["to"] = [circle_uri] if circle_uri else []
    document["object"] = object_uris[0] if len(object_uris) == 1 else list(object_uris)
    if reason:
        document["summary"] = document["content"] = reason
    if category:
        document["reportCategory"] = category
    if circle_uri:
        document["audience"] = circle_uri
    return with_context(document)


def render_resolve(uri: str, actor_uri: str, flag: dict, circle_uri: str, outcome: str, published: datetime) -> dict:
    """Lemmy `community/resolve_report_page.json`: Resolve{to: [circle], object: the Flag (embedded)}; `summary`
    carries the outcome (circlefed's addition: Lemmy sends none)."""
    inner = {key: value for key, value in flag.items() if key != "@context"}
    document: dict = {"id": uri, "type": "Resolve", "actor": actor_uri, "to": [circle_uri], "object": inner}
    if outcome:
        document["summary"] = outcome
    document["audience"] = circle_uri
    document["published"] = format_datetime(published)
    return with_context(document)


def render_private_announce(uri: str, actor_uri: str, announced: dict, to: list[str], published: datetime) -> dict:
    """Announce(Flag) by the Group to facilitators: addressed to them only, never Public or the followers."""
    return with_context(
        {
            "id": uri,
            "type": "Announce",
            "actor": actor_uri,
            "to": list(to),
            "object": announced,
            "published": format_datetime(published),
        }
    )


def render_actor_update(uri: str, actor_uri: str, document: dict, audience: Audience, published: datetime) -> dict:
    """Update{object: Group} by the Group itself (new ground rules in its summary): peers refetch the actor."""
    embedded = {key: value for key, value in document.items() if key != "@context"}
    return _addressed("Update", uri, actor_uri, audience, published, object=embedded)
