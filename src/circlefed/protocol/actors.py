"""Protocol: rendering local actors (Person members, Group circles, the Application instance actor) as AS2."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from circlefed.protocol.vocab import PUBLIC, format_datetime, with_context


@dataclass(frozen=True)
class ActorBasics:
    """What every local actor document carries: its id, handle name, endpoints and public key."""

    uri: str
    preferred_username: str
    name: str
    inbox_uri: str
    outbox_uri: str
    shared_inbox_uri: str
    public_key_id: str
    public_key_pem: str
    url: str
    published: datetime | None = None
    # FEP-d8c2: where apps acting for a member sign in (the instance's OAuth endpoints).
    oauth_authorization_uri: str = ""
    oauth_token_uri: str = ""


@dataclass(frozen=True)
class PersonCard:
    basics: ActorBasics
    followers_uri: str
    summary_html: str = ""
    # Members of support circles stay out of Mastodon's directory and search unless they opt in.
    discoverable: bool = False


@dataclass(frozen=True)
class GroupCard:
    """A circle as FEP-1b12 Group: ground rules as summary (HTML) + source (Markdown)."""

    basics: ActorBasics
    followers_uri: str
    featured_uri: str
    moderators_uri: str
    summary_html: str
    summary_markdown: str
    posting_restricted_to_mods: bool
    manually_approves_followers: bool
    discoverable: bool
    visibility: str = "public"  # public, members or local (circlefed's circleVisibility)


@dataclass(frozen=True)
class ApplicationCard:
    basics: ActorBasics


def render_person(card: PersonCard) -> dict:
    document = _common("Person", card.basics)
    document.update(
        {
            "summary": card.summary_html,
            "followers": card.followers_uri,
            "manuallyApprovesFollowers": False,
            "discoverable": card.discoverable,
            "indexable": card.discoverable,
        }
    )
    return with_context(document)


def render_person_update(uri: str, card: PersonCard, published: datetime) -> dict:
    """Update{object: Person} by the member (a new key, say): public, as the actor document itself is."""
    person = {key: value for key, value in render_person(card).items() if key != "@context"}
    return with_context(
        {"id": uri, "type": "Update", "actor": person["id"], "to": [PUBLIC], "cc": [], "object": person,
         "published": format_datetime(published)}
    )


def render_group(card: GroupCard) -> dict:
    # SPEC: FEP-1b12 group actor; field shapes follow Lemmy's community parser (the strictest receiver).
    document = _common("Group", card.basics)
    document.update(
        {
            "summary": card.summary_html,
            "source": {"content": card.summary_markdown, "mediaType": "text/markdown"},
            "followers": card.followers_uri,
            "featured": card.featured_uri,
            # Lemmy and NodeBB read the moderators from attributedTo; PieFed also reads `moderators`.
            "attributedTo": card.moderators_uri,
            "moderators": card.moderators_uri,
            "postingRestrictedToMods": card.posting_restricted_to_mods,
            # Lemmy treats a Group with manuallyApprovesFollowers as a private community.
            "manuallyApprovesFollowers": card.manually_approves_followers,
            "discoverable": card.discoverable,
            "indexable": card.discoverable,
            "circleVisibility": card.visibility,
            # Lemmy reads sensitive: true on a Group as an NSFW community and may delete it; say false outright.
            "sensitive": False,
        }
    )
    return with_context(document)


def render_application(card: ApplicationCard) -> dict:
    # SPEC: FEP-2677 application actor (also the FEP-d556 server-level actor).
    document = _common("Application", card.basics)
    # Nobody should follow the instance actor; Mastodon shows it as a locked account.
    document["manuallyApprovesFollowers"] = True
    document["discoverable"] = False
    return with_context(document)


def _common(actor_type: str, basics: ActorBasics) -> dict:
    document = {
        "id": basics.uri,
        "type": actor_type,
        "preferredUsername": basics.preferred_username,
        "name": basics.name,
        "url": basics.url,
        "inbox": basics.inbox_uri,
        "outbox": basics.outbox_uri,
        "endpoints": _endpoints(basics),
        "publicKey": {
            "id": basics.public_key_id,
            "owner": basics.uri,
            "publicKeyPem": basics.public_key_pem,
        },
    }
    if basics.published is not None:
        document["published"] = format_datetime(basics.published)
    return document


def _endpoints(basics: ActorBasics) -> dict:
    endpoints = {"sharedInbox": basics.shared_inbox_uri}
    if basics.oauth_authorization_uri and basics.oauth_token_uri:
        # SPEC: FEP-d8c2 (OAuth 2.0 authorization server endpoints on the actor)
        endpoints["oauthAuthorizationEndpoint"] = basics.oauth_authorization_uri
        endpoints["oauthTokenEndpoint"] = basics.oauth_token_uri
    return endpoints
