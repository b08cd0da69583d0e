"""Actor URLs over HTTP: AS2 documents for Person, Group and Application, HTML pages, and hidden circles."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from circlefed.app import create_app
from circlefed.domain.circles import create_circle
from circlefed.domain.directory import get_instance_actor
from circlefed.protocol.vocab import CONTEXT, undefined_terms
from circlefed.storage.models import Actor, Circle, Visibility
from tests.factories import member_account, site_of

AS2 = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
BASE = "http://127.0.0.1:8080"
# FEP-d8c2: every local actor names the instance's OAuth endpoints beside its shared inbox.
ENDPOINTS = {
    "sharedInbox": f"{BASE}/inbox",
    "oauthAuthorizationEndpoint": f"{BASE}/oauth/authorize",
    "oauthTokenEndpoint": f"{BASE}/oauth/token",
}
PERSON_FIELDS = {
    "id", "type", "preferredUsername", "name", "summary", "inbox", "outbox", "followers", "endpoints", "publicKey",
    "url", "manuallyApprovesFollowers", "discoverable", "published",
}  # fmt: skip
GROUP_FIELDS = {
    "id", "type", "preferredUsername", "name", "summary", "source", "inbox", "outbox", "followers", "featured",
    "attributedTo", "moderators", "endpoints", "publicKey", "url", "postingRestrictedToMods",
    "manuallyApprovesFollowers", "discoverable", "indexable", "sensitive", "published",
}  # fmt: skip
APPLICATION_FIELDS = {
    "id", "type", "preferredUsername", "inbox", "outbox", "publicKey", "endpoints", "manuallyApprovesFollowers",
}  # fmt: skip


@pytest.fixture
async def client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


@pytest.fixture
async def instance(settings, db):
    """A member, a facilitated public circle with rules, a members circle and a local circle."""
    site = site_of(settings)
    alice = await member_account(site, "alice")
    grief = await create_circle(site, "grief", "Grief circle", description="For loss.", facilitator=await alice.actor)
    grief.rules_source = "Be **kind**."
    grief.rules_html = "<p>Be <strong>kind</strong>.</p>"
    await grief.save()
    await create_circle(site, "quiet", "Quiet circle", visibility=Visibility.MEMBERS, description="Private talk.")
    await create_circle(site, "inhouse", "In-house circle", visibility=Visibility.LOCAL)
    return site


async def fetch_json(client, path: str, accept: str = AS2) -> dict:
    response = await client.get(path, headers={"Accept": accept})
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"] == "application/activity+json; charset=utf-8"
    return await response.json(content_type=None)


def assert_key_belongs_to(document: dict) -> None:
    key = document["publicKey"]
    assert key["id"] == f"{document['id']}#main-key"
    assert key["owner"] == document["id"]
    public_key = serialization.load_pem_public_key(key["publicKeyPem"].encode())
    assert isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == 2048


async def test_person_document_has_every_field_and_its_own_key(client, instance):
    document = await fetch_json(client, "/u/alice")
    assert PERSON_FIELDS - document.keys() == set()
    assert document["type"] == "Person" and document["id"] == f"{BASE}/u/alice"
    assert document["preferredUsername"] == "alice"
    assert document["inbox"] == f"{BASE}/u/alice/inbox" and document["outbox"] == f"{BASE}/u/alice/outbox"
    assert document["followers"] == f"{BASE}/u/alice/followers"
    assert document["endpoints"] == ENDPOINTS
    assert document["manuallyApprovesFollowers"] is False
    assert_key_belongs_to(document)


async def test_public_group_document_has_every_field_the_contract_lists(client, instance):
    # SPEC: FEP-1b12 group actor; PROTOCOL.md "Actors and discovery"
    document = await fetch_json(client, "/c/grief")
    assert GROUP_FIELDS - document.keys() == set()
    assert document["type"] == "Group" and document["id"] == f"{BASE}/c/grief"
    assert document["preferredUsername"] == "grief" and document["name"] == "Grief circle"
    assert document["summary"] == "<p>Be <strong>kind</strong>.</p>"
    assert document["source"] == {"content": "Be **kind**.", "mediaType": "text/markdown"}
    assert document["attributedTo"] == document["moderators"] == f"{BASE}/c/grief/moderators"
    assert document["featured"] == f"{BASE}/c/grief/featured"
    assert document["followers"] == f"{BASE}/c/grief/followers"
    assert document["endpoints"] == ENDPOINTS
    assert document["postingRestrictedToMods"] is False
    assert document["manuallyApprovesFollowers"] is False
    assert document["discoverable"] is True and document["indexable"] is True
    assert document["sensitive"] is False
    assert document["url"] == f"{BASE}/c/grief"
    assert_key_belongs_to(document)


async def test_members_circle_group_asks_for_approval_and_is_not_discoverable(client, instance):
    # SPEC: PROTOCOL.md "Confidential circles" (Lemmy reads this as a private community)
    document = await fetch_json(client, "/c/quiet")
    assert document["manuallyApprovesFollowers"] is True
    assert document["discoverable"] is False and document["indexable"] is False
    assert document["summary"] == "<p>Private talk.</p>"


async def test_application_actor_document_has_its_fields_and_a_stable_key(client, instance):
    # SPEC: FEP-2677 application actor
    document = await fetch_json(client, "/actor")
    assert APPLICATION_FIELDS - document.keys() == set()
    assert document["type"] == "Application" and document["id"] == f"{BASE}/actor"
    assert document["preferredUsername"] == "127.0.0.1"
    assert document["manuallyApprovesFollowers"] is True
    assert document["endpoints"] == ENDPOINTS
    assert_key_belongs_to(document)
    assert (await fetch_json(client, "/actor"))["publicKey"] == document["publicKey"]
    stored = await Actor.get(local_name="actor")
    assert stored.public_key_pem == document["publicKey"]["publicKeyPem"]


async def test_application_actor_is_created_on_first_use_when_missing(settings, db):
    site = site_of(settings)
    assert not await Actor.filter(local_name="actor").exists()
    card = await get_instance_actor(site)
    assert card.basics.uri == f"{BASE}/actor" and card.basics.preferred_username == "127.0.0.1"
    assert (await get_instance_actor(site)).basics.public_key_pem == card.basics.public_key_pem
    assert await Actor.filter(local_name="actor").count() == 1


@pytest.mark.parametrize("path", ["/u/alice", "/c/grief", "/c/quiet", "/actor"])
async def test_every_term_used_is_core_as2_or_security_or_defined_inline(client, instance, path):
    # Offline peers cannot fetch unknown contexts: only the two common ones are referenced.
    document = await fetch_json(client, path)
    assert document["@context"] == CONTEXT
    assert undefined_terms(document) == set()


@pytest.mark.parametrize("accept", [AS2, LD_JSON, f"{LD_JSON}, {AS2};q=0.9"])
async def test_both_as2_accept_forms_get_json(client, instance, accept):
    # SPEC: ActivityPub 3.2 (either media type asks for the AS2 representation)
    document = await fetch_json(client, "/c/grief", accept=accept)
    assert document["type"] == "Group"


@pytest.mark.parametrize("accept", [None, "text/html,application/xhtml+xml", "*/*"])
async def test_browsers_and_unspecified_accept_get_html(client, instance, accept):
    headers = {"Accept": accept} if accept else {}
    response = await client.get("/c/grief", headers=headers)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("path", ["/u/alice", "/c/grief", "/actor"])
async def test_as2_responses_vary_on_accept(client, instance, path):
    response = await client.get(path, headers={"Accept": AS2})
    assert response.headers["Vary"] == "Accept"


async def test_public_circle_page_shows_name_description_rules_and_handle(client, instance):
    page = await (await client.get("/c/grief", headers={"Accept": "text/html"})).text()
    assert page.count("<h1") == 1 and "<main" in page
    assert "Grief circle" in page and "For loss." in page
    assert "<p>Be <strong>kind</strong>.</p>" in page
    assert "@grief@127.0.0.1:8080" in page
    assert 'content="noindex"' not in page


async def test_members_circle_page_shows_only_name_description_and_a_members_only_note(client, instance):
    # SPEC: PROTOCOL.md attack 15 (no confidential content to unauthenticated readers)
    circle = await Circle.get(slug="quiet")
    circle.rules_html = "<p>Secret rule</p>"
    await circle.save()
    page = await (await client.get("/c/quiet", headers={"Accept": "text/html"})).text()
    assert "Quiet circle" in page and "Private talk." in page
    assert "members only" in page
    assert "Secret rule" not in page
    assert '<meta name="robots" content="noindex">' in page


async def test_circle_page_escapes_everything_but_the_sanitised_rules(client, instance):
    circle = await Circle.get(slug="grief")
    circle.name = "<script>alert(1)</script>"
    circle.description = "<img src=x onerror=alert(1)>"
    await circle.save()
    page = await (await client.get("/c/grief", headers={"Accept": "text/html"})).text()
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


async def test_person_page_shows_name_and_handle(client, instance):
    page = await (await client.get("/u/alice", headers={"Accept": "text/html"})).text()
    assert page.count("<h1") == 1
    assert "@alice@127.0.0.1:8080" in page


async def test_instance_actor_page_sends_browsers_home(client, instance):
    response = await client.get("/actor", headers={"Accept": "text/html"}, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("accept", [AS2, "text/html", "application/json"])
async def test_local_circle_is_the_same_404_as_a_missing_one(client, instance, accept):
    # SPEC: PROTOCOL.md "local circles never leave the instance"; attack 21 (no existence oracle)
    hidden = await client.get("/c/inhouse", headers={"Accept": accept})
    missing = await client.get("/c/nosuch", headers={"Accept": accept})
    assert hidden.status == missing.status == 404
    assert hidden.headers["Content-Type"] == missing.headers["Content-Type"]
    assert hidden.headers["Cache-Control"] == missing.headers["Cache-Control"] == "no-store"
    if accept == "text/html":
        assert (await hidden.text()).replace(hidden.headers["X-Request-Id"], "") == (await missing.text()).replace(
            missing.headers["X-Request-Id"], ""
        )
    else:
        assert (await hidden.json())["error"] == (await missing.json())["error"]


# Each path beside the path of the same name that does serve an actor (None: no actor of that name anywhere).
@pytest.mark.parametrize(
    ("path", "served_at"),
    [("/u/grief", "/c/grief"), ("/c/alice", "/u/alice"), ("/u/actor", "/actor"), ("/c/actor", "/actor"),
     ("/u/nosuch", None)],
)
async def test_actor_paths_only_serve_their_own_kind(client, instance, path, served_at):
    response = await client.get(path, headers={"Accept": AS2})
    assert response.status == 404 and (await response.json())["error"] == "Nothing was found here."
    if served_at is not None:  # the control: the name exists, as the other kind of actor
        served = await client.get(served_at, headers={"Accept": AS2})
        assert served.status == 200 and (await served.json())["id"].endswith(served_at)
