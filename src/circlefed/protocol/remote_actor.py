"""Protocol: validation of a fetched remote actor document (id, endpoints, key) before anything trusts it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from circlefed.errors import KeyRejected, SignatureError
from circlefed.protocol.keys import load_public_key
from circlefed.protocol.parse import ACTOR_TYPES, authority, is_http_url, reference_id, same_origin

AS2_MEDIA_TYPES = ("application/activity+json", "application/ld+json")
AS2_PROFILE = "https://www.w3.org/ns/activitystreams"
_HANDLE_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class InvalidActorDocument(SignatureError):
    """A remote actor document that fails validation; a request signed with its key is refused (401)."""


@dataclass(frozen=True)
class RemoteActorDocument:
    uri: str
    type: str
    preferred_username: str
    display_name: str
    summary: str
    inbox_uri: str
    shared_inbox_uri: str | None
    outbox_uri: str | None
    followers_uri: str | None
    url: str | None
    key_id: str
    public_key_pem: str
    raw: dict[str, Any]

    @property
    def domain(self) -> str:
        return authority(self.uri)


# What is read later from a stored actor document (federation/remote/circle_facts.py, moderation_out.py); the rest of
# what a server sends (keys aside, which have their columns) is not kept: a padded document costs nothing here.
STORED_FIELDS = frozenset({
    "id", "type", "manuallyApprovesFollowers", "discoverable", "postingRestrictedToMods", "circleVisibility",
    "featured", "moderators", "attributedTo",
})
MAX_STORED_VALUE = 2048


def stored_document(raw: dict[str, Any]) -> dict[str, Any]:
    """The fields of an actor document that are read later, each a boolean or a string of bounded length."""
    return {key: value for key, value in raw.items() if key in STORED_FIELDS and _storable(value)}


def _storable(value: Any) -> bool:
    return isinstance(value, bool) or (isinstance(value, str) and len(value) <= MAX_STORED_VALUE)


def is_activity_json(content_type: str) -> bool:
    """AS2 media types only (attack 2: a user upload served as JSON must never be taken for an actor)."""
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if media == "application/activity+json":
        return True
    return media == "application/ld+json" and AS2_PROFILE in params


def parse_actor_document(document: dict[str, Any], *, requested_url: str) -> RemoteActorDocument:
    """Validate an actor fetched from requested_url; InvalidActorDocument says what is wrong."""
    actor_id = document.get("id")
    if actor_id != requested_url:
        # SPEC: PROTOCOL.md attack 3: the fetched id must be the URL we asked for
        raise InvalidActorDocument(f"fetched actor id {actor_id!r} is not the requested URL {requested_url!r}")
    actor_type = document.get("type")
    if actor_type not in ACTOR_TYPES:
        raise InvalidActorDocument(f"{requested_url} is not an actor (type {actor_type!r})")
    inbox = _same_origin_url(document.get("inbox"), actor_id, "inbox", required=True)
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    key_id, pem = _public_key(document, actor_id)
    username = document.get("preferredUsername")
    if not isinstance(username, str) or not username.strip() or len(username) > 255:
        username = derived_username(actor_id)  # preferredUsername is optional in ActivityPub
    return RemoteActorDocument(
        uri=actor_id,
        type=actor_type,
        preferred_username=username,
        display_name=_text(document.get("name"))[:255],
        summary=_text(document.get("summary")),
        inbox_uri=inbox,
        shared_inbox_uri=_same_origin_url(endpoints.get("sharedInbox"), actor_id, "sharedInbox"),
        outbox_uri=_same_origin_url(document.get("outbox"), actor_id, "outbox"),
        followers_uri=_same_origin_url(document.get("followers"), actor_id, "followers"),
        url=reference_id(document.get("url")) if isinstance(reference_id(document.get("url")), str) else None,
        key_id=key_id,
        public_key_pem=pem,
        raw=document,
    )


def derived_username(actor_id: str) -> str:
    """A name for an actor that publishes no preferredUsername: the last part of its id's path ("alice" of
    https://host/users/alice, "7f3a" of https://host/ap/7f3a), in the characters a handle may hold."""
    path = unquote(urlsplit(actor_id).path)
    last = next((part for part in reversed(path.split("/")) if part.strip()), "")
    name = _HANDLE_UNSAFE.sub("", last.lstrip("@~"))[:64]
    return name or "actor"


def parse_key_document(document: dict[str, Any], *, requested_url: str) -> str:
    """A stand-alone key document (some servers serve keyId separately): returns its owner's URL."""
    owner = document.get("owner")
    if document.get("id") != requested_url or not isinstance(owner, str) or not is_http_url(owner):
        raise InvalidActorDocument(f"{requested_url} is neither an actor nor a key with an owner")
    if not same_origin(owner, requested_url):
        raise InvalidActorDocument("the key's owner is on another server")
    return owner


def _public_key(document: dict[str, Any], actor_id: str) -> tuple[str, str]:
    key = document.get("publicKey")
    if isinstance(key, list):
        key = next((k for k in key if isinstance(k, dict) and k.get("owner") == actor_id), None)
    if not isinstance(key, dict):
        raise InvalidActorDocument(f"{actor_id} publishes no publicKey")
    key_id, owner, pem = key.get("id"), key.get("owner"), key.get("publicKeyPem")
    if owner != actor_id:
        # SPEC: PROTOCOL.md attack 4: the key's owner must be this actor
        raise InvalidActorDocument(f"the key of {actor_id} is owned by {owner!r}")
    if not isinstance(key_id, str) or not is_http_url(key_id) or not same_origin(key_id, actor_id):
        raise InvalidActorDocument(f"the key id of {actor_id} is not a URL on its server")
    if not isinstance(pem, str):
        raise InvalidActorDocument(f"{actor_id} publishes no publicKeyPem")
    try:
        load_public_key(pem)  # SPEC: PROTOCOL.md attack 22: refuse oversized or odd keys before storing them
    except KeyRejected as exc:
        raise InvalidActorDocument(f"the key of {actor_id} is refused: {exc}") from exc
    return key_id, pem


def _same_origin_url(value: Any, actor_id: str, field: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not is_http_url(value):
        raise InvalidActorDocument(f"{actor_id}: '{field}' is not a URL")
    if not same_origin(value, actor_id):
        # SPEC: PROTOCOL.md attack 3: endpoints must live on the actor's own server
        raise InvalidActorDocument(f"{actor_id}: '{field}' is on another server")
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
