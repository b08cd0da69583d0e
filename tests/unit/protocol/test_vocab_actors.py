"""Tests: protocol.vocab (content types, the shared @context) and protocol.actors (Person, Group, Application)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from circlefed.protocol.actors import (
    ActorBasics,
    ApplicationCard,
    GroupCard,
    PersonCard,
    render_application,
    render_group,
    render_person,
    render_person_update,
)
from circlefed.protocol.vocab import (
    AS2_CONTENT_TYPES,
    CONTEXT,
    EXTENSION_TERMS,
    PUBLIC,
    format_datetime,
    is_as2_content_type,
    undefined_terms,
)

BASE = "https://clinic.example"
PEM = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"


def basics(path: str, username: str, name: str = "Name") -> ActorBasics:
    uri = f"{BASE}{path}"
    return ActorBasics(
        uri=uri,
        preferred_username=username,
        name=name,
        inbox_uri=f"{uri}/inbox",
        outbox_uri=f"{uri}/outbox",
        shared_inbox_uri=f"{BASE}/inbox",
        public_key_id=f"{uri}#main-key",
        public_key_pem=PEM,
        url=uri,
        published=datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
    )


def group_card(**overrides) -> GroupCard:
    values = {
        "basics": basics("/c/grief", "grief", "Grief circle"),
        "followers_uri": f"{BASE}/c/grief/followers",
        "featured_uri": f"{BASE}/c/grief/featured",
        "moderators_uri": f"{BASE}/c/grief/moderators",
        "summary_html": "<p>Be kind.</p>",
        "summary_markdown": "Be kind.",
        "posting_restricted_to_mods": False,
        "manually_approves_followers": False,
        "discoverable": True,
    }
    return GroupCard(**{**values, **overrides})


def person_document() -> dict:
    return render_person(PersonCard(basics("/u/alice", "alice", "Alice"), followers_uri=f"{BASE}/u/alice/followers"))


def application_document() -> dict:
    return render_application(ApplicationCard(basics("/actor", "clinic.example", "Clinic")))


def test_content_types_and_public_are_the_as2_constants():
    # SPEC: ActivityPub 3.2 (both media types identify AS2)
    assert AS2_CONTENT_TYPES == (
        "application/activity+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    )
    assert PUBLIC == "https://www.w3.org/ns/activitystreams#Public"


def test_context_references_only_the_two_common_contexts_and_defines_the_rest_inline():
    urls = [entry for entry in CONTEXT if isinstance(entry, str)]
    assert urls == ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
    inline = CONTEXT[2]
    assert inline["toot"] == "http://joinmastodon.org/ns#"
    assert inline["lemmy"] == "https://join-lemmy.org/ns#"
    assert inline["featured"] == {"@id": "toot:featured", "@type": "@id"}
    assert inline["moderators"] == {"@id": "lemmy:moderators", "@type": "@id"}
    assert inline["postingRestrictedToMods"] == "lemmy:postingRestrictedToMods"
    assert inline["manuallyApprovesFollowers"] == "as:manuallyApprovesFollowers"
    assert inline["sensitive"] == "as:sensitive"
    assert inline["discoverable"] == "toot:discoverable" and inline["indexable"] == "toot:indexable"
    assert inline["circleVisibility"] == "circlefed:circleVisibility" and inline["circlefed"] == "urn:circlefed:ns#"


def test_every_extension_term_expands_through_a_prefix_defined_in_the_same_inline_context():
    inline = CONTEXT[2]
    for term, definition in EXTENSION_TERMS.items():
        iri = definition["@id"] if isinstance(definition, dict) else definition
        prefix = iri.split(":", 1)[0]
        # circlefed's own terms live under a URN: the project claims no web domain to host a vocabulary.
        assert inline[prefix].startswith(("http", "urn:circlefed:")), term


@pytest.mark.parametrize("render", [person_document, application_document, lambda: render_group(group_card())])
def test_every_term_of_every_actor_document_is_core_or_defined_inline(render):
    document = render()
    assert undefined_terms(document) == set()
    assert document["@context"] == CONTEXT


def test_undefined_terms_finds_a_stray_term_at_any_depth():
    assert undefined_terms({"id": "x", "endpoints": {"sharedInbox": "y", "oauthThing": "z"}}) == {"oauthThing"}
    assert undefined_terms({"tag": [{"type": "Hashtag", "flair": "x"}]}) == {"flair"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/activity+json", True),
        ("application/activity+json; charset=utf-8", True),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
        ('Application/LD+JSON;profile="https://www.w3.org/ns/activitystreams https://example/x"', True),
        ("application/ld+json", False),
        ("application/json", False),
        ("text/html", False),
        ("", False),
        (None, False),
    ],
)
def test_as2_content_type_recognition(value, expected):
    assert is_as2_content_type(value) is expected


def test_datetimes_are_utc_with_z_and_whole_seconds():
    moment = datetime(2026, 1, 2, 5, 4, 5, 999, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(moment) == "2026-01-02T03:04:05Z"


def test_group_has_every_field_the_federation_contract_lists():
    # SPEC: FEP-1b12 group actor; PROTOCOL.md "Actors and discovery"
    document = render_group(group_card())
    assert document["type"] == "Group"
    assert document["id"] == f"{BASE}/c/grief"
    assert document["preferredUsername"] == "grief"
    assert document["name"] == "Grief circle"
    assert document["summary"] == "<p>Be kind.</p>"
    assert document["source"] == {"content": "Be kind.", "mediaType": "text/markdown"}
    assert document["inbox"] == f"{BASE}/c/grief/inbox"
    assert document["outbox"] == f"{BASE}/c/grief/outbox"
    assert document["followers"] == f"{BASE}/c/grief/followers"
    assert document["featured"] == f"{BASE}/c/grief/featured"
    assert document["attributedTo"] == document["moderators"] == f"{BASE}/c/grief/moderators"
    assert document["endpoints"] == {"sharedInbox": f"{BASE}/inbox"}
    assert document["publicKey"] == {"id": f"{BASE}/c/grief#main-key", "owner": document["id"], "publicKeyPem": PEM}
    assert document["url"] == document["id"]
    assert document["postingRestrictedToMods"] is False
    assert document["manuallyApprovesFollowers"] is False
    assert document["discoverable"] is True and document["indexable"] is True
    assert document["published"] == "2026-01-02T03:04:05Z"


def test_group_is_never_marked_sensitive():
    # Lemmy reads a sensitive Group as an NSFW community and may remove it.
    assert render_group(group_card())["sensitive"] is False


def test_confidential_group_asks_for_approval_and_stays_out_of_directories():
    document = render_group(group_card(manually_approves_followers=True, discoverable=False))
    assert document["manuallyApprovesFollowers"] is True
    assert document["discoverable"] is False and document["indexable"] is False


def test_person_has_its_fields_and_is_not_discoverable_by_default():
    document = person_document()
    assert document["type"] == "Person"
    assert document["preferredUsername"] == "alice" and document["name"] == "Alice"
    assert document["followers"] == f"{BASE}/u/alice/followers"
    assert document["endpoints"]["sharedInbox"] == f"{BASE}/inbox"
    assert document["publicKey"]["id"] == f"{BASE}/u/alice#main-key"
    assert document["publicKey"]["owner"] == document["id"]
    assert document["manuallyApprovesFollowers"] is False
    assert document["discoverable"] is False
    assert "summary" in document and "published" in document


def test_an_update_of_a_person_embeds_the_whole_document_once_and_is_public():
    card = PersonCard(basics("/u/alice", "alice", "Alice"), followers_uri=f"{BASE}/u/alice/followers")
    update = render_person_update(f"{BASE}/activities/1", card, datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    assert update["type"] == "Update" and update["actor"] == f"{BASE}/u/alice" and update["to"] == [PUBLIC]
    assert update["object"] == {k: v for k, v in person_document().items() if k != "@context"}
    assert update["@context"] == person_document()["@context"] and update["published"] == "2026-12-07T12:00:00Z"


def test_application_actor_is_locked_and_named_after_the_host():
    # SPEC: FEP-2677 application actor
    document = application_document()
    assert document["type"] == "Application"
    assert document["id"] == f"{BASE}/actor"
    assert document["preferredUsername"] == "clinic.example"
    assert document["manuallyApprovesFollowers"] is True
    assert document["inbox"] and document["outbox"]
    assert document["endpoints"]["sharedInbox"] == f"{BASE}/inbox"
    assert document["publicKey"]["owner"] == document["id"]


def test_rendered_documents_do_not_share_a_mutable_context():
    first = person_document()
    first["@context"][2]["oops"] = "x"
    assert "oops" not in person_document()["@context"][2]
    assert "oops" not in CONTEXT[2]
