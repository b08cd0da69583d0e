"""Protocol: a member's vote (Like, Dislike) and its Undo, in Lemmy's shapes, addressed to the circle."""

from __future__ import annotations

from circlefed.protocol.vocab import with_context

REACTION_TYPES = {"like": "Like", "dislike": "Dislike"}


def render_reaction(kind: str, uri: str, actor_uri: str, object_uri: str, circle_uri: str) -> dict:
    """Lemmy `voting/like_page.json`: Like{actor, object: post, audience: circle}; `to` the circle only, never
    Public (PROTOCOL.md reactions). `kind` is a ReactionKind value ("like" or "dislike")."""
    if kind not in REACTION_TYPES:
        raise ValueError(f"not a reaction: {kind}")
    return with_context(
        {
            "id": uri,
            "type": REACTION_TYPES[kind],
            "actor": actor_uri,
            "object": object_uri,
            "to": [circle_uri],
            "audience": circle_uri,
        }
    )


def render_reaction_undo(uri: str, reaction: dict, circle_uri: str) -> dict:
    """Lemmy `voting/undo_like_page.json`: Undo{actor, object: the vote (embedded, its own id), audience}."""
    inner = {key: value for key, value in reaction.items() if key != "@context"}
    return with_context(
        {
            "id": uri,
            "type": "Undo",
            "actor": inner["actor"],
            "object": inner,
            "to": [circle_uri],
            "audience": circle_uri,
        }
    )
