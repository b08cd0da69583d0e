"""Protocol: ActivityStreams vocabulary: content types, the Public address and the one @context of every document."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime

AS2_CONTENT_TYPE = "application/activity+json"
AS2_PROFILE = "https://www.w3.org/ns/activitystreams"
LD_JSON_CONTENT_TYPE = f'application/ld+json; profile="{AS2_PROFILE}"'
AS2_CONTENT_TYPES = (AS2_CONTENT_TYPE, LD_JSON_CONTENT_TYPE)
# What local AS2 documents are served with; charset spelled out because some peers guess latin-1 without it.
AS2_RESPONSE_CONTENT_TYPE = f"{AS2_CONTENT_TYPE}; charset=utf-8"

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

AS2_CONTEXT_URL = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT_URL = "https://w3id.org/security/v1"

# Every extension term circlefed emits, defined inline: a peer working offline (Lemmy, Mastodon and Fedify
# cache only the two common contexts) must still be able to expand each term of our documents.
EXTENSION_TERMS: dict[str, str | dict[str, str]] = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
    "moderators": {"@id": "lemmy:moderators", "@type": "@id"},
    # A circle's level (public, members or local): receivers re-read it from every Update(Group) and hide
    # a confidential circle's copies from everyone but its members.
    "circleVisibility": "circlefed:circleVisibility",
    # Why a member reported (a Flag's category: ground_rules, harmful_advice, crisis_concern, harassment, spam,
    # other); receivers without it read the reason in `summary`, which starts with the category's name.
    "reportCategory": "circlefed:reportCategory",
}
NAMESPACE_PREFIXES = {
    "as": "https://www.w3.org/ns/activitystreams#",
    "toot": "http://joinmastodon.org/ns#",
    "lemmy": "https://join-lemmy.org/ns#",
    "schema": "http://schema.org#",
    "circlefed": "urn:circlefed:ns#",
}
CONTEXT: list = [AS2_CONTEXT_URL, SECURITY_CONTEXT_URL, {**NAMESPACE_PREFIXES, **EXTENSION_TERMS}]

# Terms the two common contexts define (the AS2 vocabulary with its ActivityPub additions, and security/v1's
# key terms); anything else in a document must be in EXTENSION_TERMS. Used by tests over every renderer.
# fmt: off
AS2_CORE_TERMS = frozenset({
    "id", "type", "actor", "attributedTo", "audience", "bcc", "bto", "cc", "content", "context", "generator",
    "icon", "image", "inReplyTo", "instrument", "location", "object", "origin", "preview", "replies", "result",
    "tag", "target", "to", "url", "published", "updated", "startTime", "endTime", "duration", "mediaType", "name",
    "summary", "contentMap", "nameMap", "summaryMap", "source", "href", "rel", "hreflang", "height", "width",
    "totalItems", "items", "orderedItems", "first", "last", "next", "prev", "current", "partOf", "startIndex",
    "subject", "relationship", "describes", "formerType", "deleted", "oneOf", "anyOf", "closed", "accuracy",
    "altitude", "latitude", "longitude", "radius", "units", "attachment", "inbox", "outbox", "followers",
    "following", "liked", "likes", "shares", "streams", "preferredUsername", "endpoints", "sharedInbox",
    "proxyUrl", "oauthAuthorizationEndpoint", "oauthTokenEndpoint", "provideClientKey", "signClientKey",
    "uploadMedia",
})
# fmt: on
SECURITY_V1_TERMS = frozenset({"publicKey", "publicKeyPem", "owner"})
JSON_LD_KEYWORDS = frozenset({"@context", "@id", "@type", "@value", "@language"})


def undefined_terms(document: object) -> set[str]:
    """Keys of a rendered document (at any depth) that neither common context nor our inline context define."""
    known = AS2_CORE_TERMS | SECURITY_V1_TERMS | JSON_LD_KEYWORDS | EXTENSION_TERMS.keys()
    return {key for key in _keys(document) if key not in known}


def _keys(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            if key != "@context":
                yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


def is_as2_content_type(value: str | None) -> bool:
    """True for application/activity+json, or application/ld+json with the ActivityStreams profile."""
    if not value:
        return False
    media_type, _, params = value.partition(";")
    media_type = media_type.strip().lower()
    if media_type == AS2_CONTENT_TYPE:
        return True
    if media_type != "application/ld+json":
        return False
    return AS2_PROFILE in _profile_param(params).split()


def _profile_param(params: str) -> str:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "profile":
            return value.strip().strip('"')
    return ""


def format_datetime(moment: datetime) -> str:
    """xsd:dateTime in UTC with a Z suffix and whole seconds (what Mastodon and Lemmy parse everywhere)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def with_context(document: dict) -> dict:
    """The document with the shared @context first (key order only matters to human readers)."""
    return {"@context": copy.deepcopy(CONTEXT), **document}
