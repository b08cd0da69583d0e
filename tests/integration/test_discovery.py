"""Discovery over HTTP: WebFinger, host-meta and NodeInfo of a real app on SQLite and PostgreSQL."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from circlefed.app import create_app
from circlefed.domain.circles import create_circle
from circlefed.storage.models import Actor, Circle, Post, ReviewState, Thread, Visibility
from circlefed.storage.stats import nodeinfo_usage
from tests.conftest import settings_for
from tests.factories import member_account, site_of

AS2 = "application/activity+json"
BASE = "http://127.0.0.1:8080"
DOMAIN = "127.0.0.1:8080"


@pytest.fixture
async def client(aiohttp_client, settings, clock):
    return await aiohttp_client(create_app(settings, clock=clock))


@pytest.fixture
async def people(settings, db):
    """A member and circles of every visibility on the instance under test."""
    site = site_of(settings)
    account = await member_account(site, "alice")
    await create_circle(site, "grief", "Grief circle")
    await create_circle(site, "quiet", "Quiet circle", visibility=Visibility.MEMBERS)
    await create_circle(site, "inhouse", "In-house circle", visibility=Visibility.LOCAL)
    return account


async def webfinger(client, resource: str, **params):
    return await client.get("/.well-known/webfinger", params={"resource": resource, **params})


def self_link(jrd: dict) -> dict:
    return next(link for link in jrd["links"] if link["rel"] == "self")


@pytest.mark.parametrize(
    ("handle", "path", "actor_type"), [("alice", "/u/alice", "Person"), ("grief", "/c/grief", "Group")]
)
async def test_webfinger_round_trips_from_handle_to_actor_and_back(client, people, handle, path, actor_type):
    # SPEC: RFC 7033 4.4; NodeBB and Mastodon require preferredUsername@domain to resolve to the same id
    subject = f"acct:{handle}@{DOMAIN}"
    response = await webfinger(client, subject)
    assert response.status == 200
    jrd = await response.json(content_type=None)
    assert jrd["subject"] == subject
    link = self_link(jrd)
    assert link["type"] == AS2 and link["href"] == f"{BASE}{path}"

    actor_response = await client.get(urlsplit(link["href"]).path, headers={"Accept": AS2})
    actor = await actor_response.json(content_type=None)
    assert actor["id"] == link["href"] and actor["type"] == actor_type
    back = f"acct:{actor['preferredUsername']}@{urlsplit(actor['id']).netloc}"
    assert back == subject


async def test_webfinger_for_a_members_circle_is_served_so_peers_can_ask_to_join(client, people):
    jrd = await (await webfinger(client, f"acct:quiet@{DOMAIN}")).json(content_type=None)
    assert self_link(jrd)["href"] == f"{BASE}/c/quiet"


async def test_webfinger_by_actor_url_gives_the_same_actor(client, people):
    response = await webfinger(client, f"{BASE}/c/grief")
    assert response.status == 200
    jrd = await response.json(content_type=None)
    assert jrd["subject"] == f"acct:grief@{DOMAIN}"
    assert self_link(jrd)["href"] == f"{BASE}/c/grief"


async def test_webfinger_is_case_insensitive_in_the_domain_and_canonical_in_the_subject(
    aiohttp_client, database_url, db
):
    settings = settings_for(database_url, base_url="https://circles.example")
    await member_account(site_of(settings), "alice")
    client = await aiohttp_client(create_app(settings))
    jrd = await (await webfinger(client, "acct:Alice@CIRCLES.example.")).json(content_type=None)
    assert jrd["subject"] == "acct:alice@circles.example"
    assert self_link(jrd)["href"] == "https://circles.example/u/alice"


async def test_handle_carries_the_port_when_the_base_url_has_one(aiohttp_client, database_url, db):
    settings = settings_for(database_url, base_url="https://circles.example:8443")
    await create_circle(site_of(settings), "grief", "Grief circle")
    client = await aiohttp_client(create_app(settings))
    response = await webfinger(client, "acct:grief@circles.example:8443")
    assert response.status == 200
    assert (await response.json(content_type=None))["subject"] == "acct:grief@circles.example:8443"
    # The same name without the port is another host: not ours.
    assert (await webfinger(client, "acct:grief@circles.example")).status == 404


@pytest.mark.parametrize(
    "resource", ["foo", "acct:", "acct:@x", "acct:a@", "http://[bad", "acct:al ice@127.0.0.1:8080", "acct:a@b@c"]
)
async def test_malformed_resource_is_400(client, resource):
    # SPEC: RFC 7033 4.2
    response = await webfinger(client, resource)
    assert response.status == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_missing_or_empty_resource_is_400(client):
    # SPEC: RFC 7033 4.2 (resource is required)
    for path in ("/.well-known/webfinger", "/.well-known/webfinger?resource="):
        response = await client.get(path)
        assert response.status == 400 and "resource" in (await response.json())["error"], path


@pytest.mark.parametrize(
    "resource",
    [
        f"acct:nobody@{DOMAIN}",
        "acct:alice@elsewhere.example",
        "acct:alice@127.0.0.1:9999",
        f"acct:inhouse@{DOMAIN}",
        f"{BASE}/c/inhouse",
        f"{BASE}/u/grief",
        f"{BASE}/c/alice",
        "https://elsewhere.example/u/alice",
        f"mailto:alice@{DOMAIN}",
    ],
)
async def test_unknown_foreign_or_local_only_resource_is_404(client, people, resource):
    # SPEC: PROTOCOL.md (local circles have no WebFinger); attack 18 (never link a foreign actor)
    response = await webfinger(client, resource)
    assert response.status == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_local_circle_and_missing_name_get_the_same_404(client, people):
    # SPEC: PROTOCOL.md attack 21 (no existence oracle for hidden circles)
    hidden = await webfinger(client, f"acct:inhouse@{DOMAIN}")
    missing = await webfinger(client, f"acct:nosuch@{DOMAIN}")
    assert hidden.status == missing.status == 404
    assert (await hidden.json())["error"] == (await missing.json())["error"]


async def test_webfinger_answers_jrd_with_cors(client, people):
    # SPEC: RFC 7033 5 (CORS) and 10.2 (application/jrd+json)
    response = await webfinger(client, f"acct:alice@{DOMAIN}")
    assert response.headers["Content-Type"].startswith("application/jrd+json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_webfinger_rel_parameter_filters_links(client, people):
    # SPEC: RFC 7033 4.3
    jrd = await (await webfinger(client, f"acct:alice@{DOMAIN}", rel="self")).json(content_type=None)
    assert [link["rel"] for link in jrd["links"]] == ["self"]


@pytest.mark.parametrize("resource", [f"{BASE}/", BASE, "acct:127.0.0.1@127.0.0.1:8080", f"{BASE}/actor"])
async def test_webfinger_for_the_server_gives_the_instance_actor(client, resource):
    # SPEC: FEP-d556 (server prefix) and Mastodon's acct:<host>@<host>
    response = await webfinger(client, resource)
    assert response.status == 200
    jrd = await response.json(content_type=None)
    hrefs = {link["rel"]: link["href"] for link in jrd["links"]}
    assert hrefs["self"] == hrefs["https://www.w3.org/ns/activitystreams#Service"] == f"{BASE}/actor"
    actor = await (await client.get("/actor", headers={"Accept": AS2})).json(content_type=None)
    assert actor["type"] == "Application" and actor["id"] == f"{BASE}/actor"


async def test_host_meta_points_at_webfinger(client):
    # SPEC: RFC 6415
    response = await client.get("/.well-known/host-meta")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/xrd+xml")
    assert f'template="{BASE}/.well-known/webfinger?resource={{uri}}"' in await response.text()


async def test_nodeinfo_index_links_the_document_and_the_instance_actor(client):
    # SPEC: NodeInfo discovery; FEP-2677
    response = await client.get("/.well-known/nodeinfo")
    assert response.status == 200
    links = {link["rel"]: link["href"] for link in (await response.json())["links"]}
    assert links["http://nodeinfo.diaspora.software/ns/schema/2.1"] == f"{BASE}/nodeinfo/2.1"
    assert links["https://www.w3.org/ns/activitystreams#Application"] == f"{BASE}/actor"
    actor = await client.get(
        urlsplit(links["https://www.w3.org/ns/activitystreams#Application"]).path, headers={"Accept": AS2}
    )
    assert (await actor.json(content_type=None))["type"] == "Application"


async def test_nodeinfo_document_has_the_profiled_content_type_and_software(client, settings):
    # SPEC: NodeInfo 2.1 schema
    response = await client.get("/nodeinfo/2.1")
    assert response.status == 200
    assert response.headers["Content-Type"] == (
        'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
    )
    document = await response.json(content_type=None)
    assert document["version"] == "2.1"
    assert document["software"]["name"] == "circlefed" and document["software"]["version"]
    assert document["protocols"] == ["activitypub"]
    assert document["openRegistrations"] is True  # the default: anyone may ask, an admin approves
    assert document["metadata"]["nodeName"] == settings.instance.name


async def test_nodeinfo_20_for_clients_that_ask_for_it_by_path(client):
    # SPEC: NodeInfo 2.0 schema (software has name and version only); Elk fetches /nodeinfo/2.0 directly
    links = {link["rel"]: link["href"] for link in (await (await client.get("/.well-known/nodeinfo")).json())["links"]}
    assert links["http://nodeinfo.diaspora.software/ns/schema/2.0"] == f"{BASE}/nodeinfo/2.0"
    response = await client.get("/nodeinfo/2.0")
    assert response.headers["Content-Type"] == (
        'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"'
    )
    document = await response.json(content_type=None)
    newer = await (await client.get("/nodeinfo/2.1")).json(content_type=None)
    assert document["version"] == "2.0" and set(document["software"]) == {"name", "version"}
    assert {key: value for key, value in document.items() if key not in ("version", "software")} == {
        key: value for key, value in newer.items() if key not in ("version", "software")}


async def add_thread_and_reply(slug: str, author: Actor, when, *, deleted: bool = False) -> None:
    circle = await Circle.get(slug=slug)
    thread = await Thread.create(
        uri=f"{BASE}/t/{slug}-{when.timestamp()}-{deleted}",
        circle=circle,
        author=author,
        title="A thread",
        published_at=when,
        last_activity_at=when,
        deleted_at=when if deleted else None,
    )
    await Post.create(
        uri=f"{thread.uri}/reply", thread=thread, author=author, in_reply_to_uri=thread.uri, published_at=when
    )


async def usage_of(client) -> dict:
    return (await (await client.get("/nodeinfo/2.1")).json(content_type=None))["usage"]


async def test_nodeinfo_counts_ignore_members_and_local_circles(client, people, clock):
    # SPEC: PROTOCOL.md "local circles ... no NodeInfo count"; attack 15 (counts of confidential content)
    alice = await people.actor
    before = await usage_of(client)
    assert before == {"users": {"total": 1, "activeMonth": 0, "activeHalfyear": 0}, "localPosts": 0}

    await add_thread_and_reply("quiet", alice, clock.now())
    await add_thread_and_reply("inhouse", alice, clock.now())
    assert await usage_of(client) == before

    await add_thread_and_reply("grief", alice, clock.now())
    after = await usage_of(client)
    assert after["localPosts"] == 2
    assert after["users"] == {"total": 1, "activeMonth": 1, "activeHalfyear": 1}


async def test_nodeinfo_counts_skip_deleted_threads_and_their_replies(client, people, clock):
    alice = await people.actor
    await add_thread_and_reply("grief", alice, clock.now(), deleted=True)
    assert (await usage_of(client))["localPosts"] == 0


async def test_nodeinfo_counts_skip_posts_held_for_review(client, people, clock):
    # A held post is not published yet: counting it would tell the world that something is waiting.
    alice = await people.actor
    await add_thread_and_reply("grief", alice, clock.now())
    thread = await Thread.get(circle__slug="grief")
    await Post.filter(thread=thread).update(review_state=ReviewState.HELD)
    assert (await usage_of(client))["localPosts"] == 1
    await Thread.filter(id=thread.id).update(review_state=ReviewState.HELD)
    assert (await usage_of(client))["localPosts"] == 0


async def test_active_users_follow_the_month_and_half_year_windows(settings, people, clock):
    alice = await people.actor
    await add_thread_and_reply("grief", alice, clock.now() - timedelta(days=90))
    usage = await nodeinfo_usage(clock.now())
    assert (usage.active_month, usage.active_halfyear) == (0, 1)
    usage = await nodeinfo_usage(clock.now() + timedelta(days=200))
    assert (usage.active_month, usage.active_halfyear) == (0, 0)


async def test_disabled_accounts_are_not_counted(settings, people, clock):
    alice = await people.actor
    await add_thread_and_reply("grief", alice, clock.now())
    people.is_disabled = True
    await people.save(update_fields=["is_disabled"])
    usage = await nodeinfo_usage(clock.now())
    assert (usage.users_total, usage.active_month) == (0, 0)
    assert usage.local_posts == 2
