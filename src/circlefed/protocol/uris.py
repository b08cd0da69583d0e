"""Protocol: the URL layout of local ActivityPub ids (actors, collections, objects, activities)."""

from __future__ import annotations

import re
import secrets

# One namespace for members, circles and the instance actor, so acct: handles stay unambiguous.
LOCAL_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_]{1,29}$")
RESERVED_NAMES = frozenset(
    {
        "actor",
        "inbox",
        "outbox",
        "api",
        "static",
        "login",
        "logout",
        "settings",
        "root",
        "circlefed",
        "instance",
        "well_known",
        "nodeinfo",
        "healthz",
        "metrics",
        "system",
        "support",
    }
)


def is_valid_local_name(name: str) -> bool:
    return bool(LOCAL_NAME_RE.match(name)) and name not in RESERVED_NAMES


class Uris:
    """Builds the ids of this instance from its base URL (scheme://host[:port])."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    def member(self, name: str) -> str:
        return f"{self.base}/u/{name}"

    def circle(self, slug: str) -> str:
        return f"{self.base}/c/{slug}"

    def inbox(self, actor_uri: str) -> str:
        return f"{actor_uri}/inbox"

    def outbox(self, actor_uri: str) -> str:
        return f"{actor_uri}/outbox"

    def followers(self, actor_uri: str) -> str:
        return f"{actor_uri}/followers"

    def key_id(self, actor_uri: str) -> str:
        return f"{actor_uri}#main-key"

    def oauth_authorize(self) -> str:
        return f"{self.base}/oauth/authorize"

    def oauth_token(self) -> str:
        return f"{self.base}/oauth/token"

    def new_thread(self) -> str:
        return f"{self.base}/t/{new_token()}"

    def new_post(self) -> str:
        return f"{self.base}/p/{new_token()}"

    def new_message(self) -> str:
        """A private message's id: never served (web/objects.py answers it as a missing id)."""
        return f"{self.base}/m/{new_token()}"

    def new_activity(self) -> str:
        return f"{self.base}/a/{new_token()}"


def new_token() -> str:
    """An unguessable URL-safe id part (ids of confidential objects must not be enumerable)."""
    return secrets.token_urlsafe(12)
