"""The web app: home page, health, metrics, error mapping, security headers and body limits."""

import pytest

from circlefed.app import create_app
from circlefed.domain.circles import create_circle
from circlefed.storage.models import QueueState, Visibility
from tests.factories import site_of
from tests.unit.delivery.support import queue_rows


@pytest.fixture
async def client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


async def test_home_page_lists_public_circles_but_never_members_or_local_ones(client, settings, db):
    site = site_of(settings)
    await create_circle(site, "open_circle", "Open Circle")
    await create_circle(site, "quiet_circle", "Quiet Circle", visibility=Visibility.MEMBERS)
    await create_circle(site, "inhouse", "In-house Circle", visibility=Visibility.LOCAL)
    response = await client.get("/", headers={"Accept": "text/html"})
    assert response.status == 200
    page = await response.text()
    assert "Open Circle" in page
    assert "Quiet Circle" not in page and "In-house Circle" not in page
    assert "<h1>" in page and 'lang="en"' in page


async def test_healthz_reports_database_and_queue_depths(client):
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert set(body["queues"]) == {"deliveries", "inbox"}


async def test_healthz_counts_the_waiting_rows_not_the_finished_history(client, db, clock):
    await queue_rows(clock, QueueState.PENDING, QueueState.FAILED, QueueState.DELIVERED, QueueState.DELIVERED)
    body = await (await client.get("/healthz")).json()
    assert body["queues"] == {"deliveries": {"pending": 1}, "inbox": {}}


async def test_metrics_count_requests_by_route_template_not_by_raw_path(client):
    await client.get("/healthz")
    await client.get("/does/not/exist/1")
    await client.get("/does/not/exist/2")
    text = await (await client.get("/metrics")).text()
    assert 'circlefed_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'route="unmatched",status="404"} 2.0' in text
    assert "/does/not/exist" not in text
    assert "circlefed_http_request_seconds_bucket" in text


async def test_queue_depths_and_metrics_are_for_this_machine_or_the_metrics_token_only(aiohttp_client, settings):
    # SPEC: issue 20 item 3 (/metrics and the detailed /healthz behind a token; a public liveness answer stays)
    behind_proxy = await aiohttp_client(create_app(settings.replace(web={"trusted_proxies": ("127.0.0.1",)})))
    visitor = {"X-Forwarded-For": "203.0.113.9"}
    assert await (await behind_proxy.get("/healthz", headers=visitor)).json() == {"status": "ok"}
    assert (await behind_proxy.get("/metrics", headers=visitor)).status == 404
    assert "queues" in await (await behind_proxy.get("/healthz")).json(), "the machine itself sees the depths"

    with_token = await aiohttp_client(create_app(settings.replace(web={"metrics_token": "s3cret-for-prometheus"})))
    assert (await with_token.get("/metrics")).status == 404, "with a token, loopback alone is not enough"
    assert (await with_token.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 404
    bearer = {"Authorization": "Bearer s3cret-for-prometheus"}
    assert (await with_token.get("/metrics", headers=bearer)).status == 200
    assert "queues" in await (await with_token.get("/healthz", headers=bearer)).json()
    assert await (await with_token.get("/healthz")).json() == {"status": "ok"}


async def test_errors_are_json_with_request_id_for_api_clients(client):
    response = await client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status == 404
    body = await response.json()
    assert body["status"] == 404 and body["error"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert response.headers["Cache-Control"] == "no-store"


async def test_errors_are_a_plain_page_for_browsers(client):
    response = await client.get("/nowhere", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status == 404
    page = await response.text()
    assert "We could not find that page" in page
    assert response.headers["X-Request-Id"] in page
    assert "Traceback" not in page


async def test_every_page_has_an_icon_and_the_usual_icon_address_leads_to_it(client):
    home = await (await client.get("/", headers={"Accept": "text/html"})).text()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in home
    icon = await client.get("/static/favicon.svg")
    assert icon.status == 200 and icon.content_type == "image/svg+xml" and b"<svg" in await icon.read()
    asked = await client.get("/favicon.ico", allow_redirects=False)  # what browsers ask for unprompted
    assert asked.status == 301 and asked.headers["Location"] == "/static/favicon.svg"


async def test_security_headers_on_pages_and_on_errors(client):
    for path in ("/", "/nowhere"):
        response = await client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "same-origin"


async def test_method_not_allowed_is_a_clear_error(client):
    response = await client.delete("/healthz")
    assert response.status == 405
    assert "does not accept" in (await response.json())["error"]


async def test_healthz_is_503_when_the_database_is_gone(aiohttp_client, settings):
    app = create_app(settings)
    client = await aiohttp_client(app)
    from circlefed.web.keys import DATABASE

    await app[DATABASE].close_connections()
    response = await client.get("/healthz")
    assert response.status == 503
    assert (await response.json())["database"] == "unreachable"
