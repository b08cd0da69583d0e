"""Protocol: the Delete an actor sends of itself when its account is deleted (Mastodon's shape)."""

from __future__ import annotations

from datetime import datetime

from circlefed.protocol.vocab import PUBLIC, format_datetime, with_context


def render_actor_delete(uri: str, actor_uri: str, published: datetime) -> dict:
    """Delete{actor: X, object: X}: receivers drop the actor and everything it wrote (Mastodon, Lemmy, PieFed)."""
    return with_context(
        {
            "id": uri,
            "type": "Delete",
            "actor": actor_uri,
            "object": actor_uri,
            "to": [PUBLIC],
            "published": format_datetime(published),
        }
    )
