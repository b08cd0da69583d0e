"""SafeHttpClient against real loopback servers: SSRF refusals, redirects, rebinding, size and time limits."""

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer

from circlefed.errors import FetchError, UnsafeUrlError
from circlefed.http_client import HttpResponse, SafeHttpClient

pytestmark = pytest.mark.asyncio

UA = "circlefed/0.1.0 (+https://circlefed.test)"
PUBLIC = "93.184.216.34"
SEEN = web.AppKey("seen", list[web.Request])
ClientFactory = Callable[..., Awaitable[SafeHttpClient]]


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    request.app[SEEN].append(request)
    return web.json_response(
        {
            "method": request.method,
            "path": request.path_qs,
            "ua": request.headers.get("User-Agent"),
            "host": request.headers.get("Host"),
            "signature": request.headers.get("Signature"),
            "authorization": request.headers.get("Authorization"),
            "content_type": request.headers.get("Content-Type"),
            "body": body.decode(),
        }
    )


async def _redirect(request: web.Request) -> web.Response:
    request.app[SEEN].append(request)
    status = int(request.query.get("status", "302"))
    return web.Response(status=status, headers={"Location": request.query["to"]})


async def _loop(request: web.Request) -> web.Response:
    request.app[SEEN].append(request)
    return web.Response(status=302, headers={"Location": "/loop"})


async def _big(request: web.Request) -> web.Response:
    return web.Response(body=b"x" * 2000)


async def _stream_big(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    for _ in range(3):
        await response.write(b"y" * 1000)
    await response.write_eof()
    return response


async def _gzip_bomb(request: web.Request) -> web.Response:
    bomb = gzip.compress(b"\0" * 20_000_000)
    return web.Response(body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})


async def _hang(request: web.Request) -> web.Response:
    await asyncio.sleep(30)
    return web.Response(text="too late")


async def _slow(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    for _ in range(200):
        await response.write(b"{")
        await asyncio.sleep(0.05)
    return response


async def _deep(request: web.Request) -> web.Response:
    return web.Response(body=b"[" * 100_000 + b"]" * 100_000, content_type="application/activity+json")


def _remote_app() -> web.Application:
    app = web.Application()
    app[SEEN] = []
    app.router.add_route("*", "/echo", _echo)
    app.router.add_route("*", "/redirect", _redirect)
    app.router.add_get("/loop", _loop)
    app.router.add_get("/big", _big)
    app.router.add_get("/stream-big", _stream_big)
    app.router.add_get("/gzip-bomb", _gzip_bomb)
    app.router.add_get("/hang", _hang)
    app.router.add_get("/slow", _slow)
    app.router.add_get("/deep", _deep)
    return app


async def _start(app: web.Application, host: str) -> TestServer:
    server = TestServer(app, host=host)  # TestServer cancels handlers whose client went away
    await server.start_server(shutdown_timeout=0.5)
    return server


@pytest_asyncio.fixture
async def remote() -> AsyncIterator[TestServer]:
    server = await _start(_remote_app(), "127.0.0.1")
    yield server
    await server.close()


@pytest_asyncio.fixture
async def internal() -> AsyncIterator[TestServer]:
    """A service on 127.0.0.2 that nothing may ever reach; tests assert it saw zero requests."""
    server = await _start(_remote_app(), "127.0.0.2")
    yield server
    await server.close()


@pytest_asyncio.fixture
async def make_client() -> AsyncIterator[ClientFactory]:
    clients: list[SafeHttpClient] = []

    async def make(**overrides: Any) -> SafeHttpClient:
        options: dict[str, Any] = {"user_agent": UA, "allow_http": True}
        options.update(overrides)
        client = SafeHttpClient(**options)
        await client.start()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def url(server: TestServer, path: str, host: str | None = None) -> str:
    return f"http://{host or server.host}:{server.port}{path}"


def seen(server: TestServer) -> list[web.Request]:
    return server.app[SEEN]


class StubResolver(AbstractResolver):
    """Answers from a script, one list per call, and counts the calls."""

    def __init__(self, *answers: list[str]) -> None:
        self._answers = list(answers)
        self.calls: list[str] = []

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        self.calls.append(host)
        addresses = self._answers.pop(0)
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        pass


@pytest_asyncio.fixture
async def dialled(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Records every address the client dials and refuses the connection; no packet leaves the host."""
    addresses: list[tuple[str, int]] = []
    loop = asyncio.get_running_loop()

    async def fake_sock_connect(sock: socket.socket, address: tuple[Any, ...]) -> None:
        addresses.append((address[0], address[1]))
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(loop, "sock_connect", fake_sock_connect)
    return addresses


# --- success paths ---


async def test_get_sends_user_agent(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"])
    response = await client.get(url(remote, "/echo?a=1"), headers={"Accept": "application/activity+json"})
    assert response.status == 200
    assert response.ok
    assert response.content_type == "application/json"
    assert response.url == url(remote, "/echo?a=1")
    assert response.json()["ua"] == UA
    assert seen(remote)[0].headers["Accept"] == "application/activity+json"


async def test_post_sends_body_and_user_agent(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"])
    response = await client.post(
        url(remote, "/echo"), b'{"type":"Follow"}', headers={"Content-Type": "application/activity+json"}
    )
    echoed = response.json()
    assert (echoed["method"], echoed["body"], echoed["ua"]) == ("POST", '{"type":"Follow"}', UA)


async def test_caller_cannot_replace_user_agent(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"])
    response = await client.get(url(remote, "/echo"), headers={"user-agent": "curl/8"})
    assert response.json()["ua"] == UA


async def test_context_manager_opens_and_closes() -> None:
    async with SafeHttpClient(user_agent=UA) as client:
        assert client._session is not None
    assert client._session is None
    with pytest.raises(RuntimeError):
        await client.get("https://a.test/")


# --- refusals before any connection (attack 8) ---


async def test_loopback_literal_refused_without_allowlist(
    remote: TestServer, make_client: ClientFactory
) -> None:
    client = await make_client()
    with pytest.raises(UnsafeUrlError):
        await client.get(url(remote, "/echo"))
    assert seen(remote) == []


@pytest.mark.parametrize(
    "target",
    [
        "http://[::ffff:127.0.0.1]:{port}/echo",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/echo",
        "http://0.0.0.0:{port}/echo",
        "http://[::]:{port}/echo",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://[fd00::1]/",
        "http://2130706433:{port}/echo",
        "http://0x7f.1:{port}/echo",
        "http://017700000001:{port}/echo",
        "http://127.1:{port}/echo",
    ],
)
async def test_private_and_numeric_hosts_refused(
    target: str, remote: TestServer, make_client: ClientFactory
) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"])
    with pytest.raises(UnsafeUrlError):
        await client.get(target.format(port=remote.port))
    assert seen(remote) == []


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://a.test/", "gopher://a.test/", "data:,hi"])
async def test_invalid_scheme_refused(target: str, make_client: ClientFactory) -> None:
    client = await make_client()
    with pytest.raises(UnsafeUrlError):
        await client.get(target)


async def test_http_refused_unless_allowed(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(allow_http=False, private_address_allowlist=["127.0.0.1"])
    with pytest.raises(UnsafeUrlError):
        await client.get(url(remote, "/echo"))
    assert seen(remote) == []


async def test_userinfo_refused(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1", "localhost"])
    with pytest.raises(UnsafeUrlError):
        await client.get(f"http://user:pw@localhost:{remote.port}/echo")
    with pytest.raises(UnsafeUrlError):
        await client.get(f"http://evil.test@127.0.0.1:{remote.port}/echo")
    assert seen(remote) == []


# --- resolution inside the connector (attacks 8 and 10) ---


async def test_localhost_refused_without_allowlist(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client()
    with pytest.raises(UnsafeUrlError, match="localhost"):
        await client.get(url(remote, "/echo", host="localhost"))
    assert seen(remote) == []


@pytest.mark.parametrize("entry", ["localhost", "127.0.0.0/8", "127.0.0.1"])
async def test_localhost_allowed_when_allowlisted(
    entry: str, remote: TestServer, make_client: ClientFactory
) -> None:
    client = await make_client(private_address_allowlist=[entry])
    response = await client.get(url(remote, "/echo", host="localhost"))
    assert response.status == 200 and response.json()["host"] == f"localhost:{remote.port}"
    assert len(seen(remote)) == 1


async def test_host_normalised_before_use(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["localhost"])
    response = await client.get(f"http://LocalHost.:{remote.port}/echo#frag")
    assert response.url == url(remote, "/echo", host="localhost")
    assert response.json()["host"] == f"localhost:{remote.port}"


async def test_dns_rebinding_defeated(
    remote: TestServer, make_client: ClientFactory, dialled: list[tuple[str, int]]
) -> None:
    stub = StubResolver([PUBLIC], ["127.0.0.1"])
    client = await make_client(resolver=stub)
    target = f"http://rebind.test:{remote.port}/echo"
    with pytest.raises(FetchError):  # the public answer is dialled (and refused by the fake network)
        await client.get(target)
    assert stub.calls == ["rebind.test"]  # one lookup per connection: no separate pre-flight check
    assert dialled == [(PUBLIC, remote.port)]
    with pytest.raises(UnsafeUrlError):  # the rebound loopback answer is never dialled
        await client.get(target)
    assert stub.calls == ["rebind.test", "rebind.test"]
    assert dialled == [(PUBLIC, remote.port)]
    assert seen(remote) == []


async def test_connector_receives_only_public_answers(
    make_client: ClientFactory, dialled: list[tuple[str, int]]
) -> None:
    stub = StubResolver(["127.0.0.1", "10.0.0.1", PUBLIC, "::ffff:127.0.0.1", "fe80::1"])
    client = await make_client(resolver=stub)
    with pytest.raises(FetchError):
        await client.get("http://mixed.test:8080/")
    assert dialled == [(PUBLIC, 8080)]


async def test_allowlisted_address_survives_filtering(
    make_client: ClientFactory, dialled: list[tuple[str, int]]
) -> None:
    stub = StubResolver(["127.0.0.1", "10.0.0.7"])
    client = await make_client(resolver=stub, private_address_allowlist=["10.0.0.0/24"])
    with pytest.raises(FetchError):
        await client.get("http://peer.test:8080/")
    assert dialled == [("10.0.0.7", 8080)]


async def test_connect_timeout(make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    async def blackhole(sock: socket.socket, address: tuple[Any, ...]) -> None:
        await asyncio.sleep(30)

    monkeypatch.setattr(asyncio.get_running_loop(), "sock_connect", blackhole)
    client = await make_client(resolver=StubResolver([PUBLIC]), connect_timeout=0.2)
    with pytest.raises(FetchError, match=r"blackhole\.test"):
        await asyncio.wait_for(client.get("http://blackhole.test/"), 5)


# --- redirects (attack 9) ---


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.2:{iport}/secret",
        "http://internal.test:{iport}/secret",
        "http://[::ffff:127.0.0.2]:{iport}/secret",
        "http://0x7f.2:{iport}/secret",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
    ],
)
async def test_redirect_to_private_refused(
    location: str, remote: TestServer, internal: TestServer, make_client: ClientFactory
) -> None:
    resolver = StubResolver(["127.0.0.2"])  # internal.test resolves to the internal service
    client = await make_client(private_address_allowlist=["127.0.0.1"], resolver=resolver)
    target = location.format(iport=internal.port)
    with pytest.raises(UnsafeUrlError):
        await client.get(url(remote, f"/redirect?to={target}"))
    assert len(seen(remote)) == 1
    assert seen(internal) == []


async def test_relative_redirect_followed(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"])
    response = await client.get(url(remote, "/redirect?to=/echo%3Fhop%3D2"))
    assert response.status == 200
    assert response.url == url(remote, "/echo?hop=2")


async def test_redirect_chain_too_long(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"], max_redirects=3)
    with pytest.raises(FetchError, match="More than 3 redirects"):
        await client.get(url(remote, "/loop"))
    assert len(seen(remote)) == 4


async def test_redirect_not_followed_when_disabled(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"])
    response = await client.get(url(remote, "/redirect?to=http://127.0.0.2/"), follow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "http://127.0.0.2/"


@pytest.mark.parametrize("status", [307, 308])
async def test_307_and_308_keep_method_and_body(
    status: int, remote: TestServer, make_client: ClientFactory
) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"])
    response = await client.post(
        url(remote, f"/redirect?status={status}&to=/echo"), b"payload", headers={"Content-Type": "text/plain"}
    )
    echoed = response.json()
    assert (echoed["method"], echoed["body"], echoed["content_type"]) == ("POST", "payload", "text/plain")


@pytest.mark.parametrize("status", [301, 302, 303])
async def test_301_302_303_become_get_without_body(
    status: int, remote: TestServer, make_client: ClientFactory
) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"])
    response = await client.post(
        url(remote, f"/redirect?status={status}&to=/echo"), b"payload", headers={"Content-Type": "text/plain"}
    )
    echoed = response.json()
    assert (echoed["method"], echoed["body"], echoed["content_type"]) == ("GET", "", None)


async def test_sign_called_for_every_hop(remote: TestServer, make_client: ClientFactory) -> None:
    calls: list[tuple[str, str, dict[str, str], bytes | None]] = []

    def sign(method: str, hop_url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        calls.append((method, hop_url, dict(headers), body))
        return {**headers, "Signature": f"signed {method} {hop_url}"}

    client = await make_client(private_address_allowlist=["127.0.0.1"])
    first = url(remote, "/redirect?status=307&to=/echo")
    response = await client.post(first, b"{}", sign=sign)
    final = url(remote, "/echo")
    assert [(method, hop) for method, hop, _, _ in calls] == [("POST", first), ("POST", final)]
    assert all(headers["User-Agent"] == UA and body == b"{}" for _, _, headers, body in calls)
    assert response.json()["signature"] == f"signed POST {final}"


async def test_a_signer_may_return_its_headers_later(remote: TestServer, make_client: ClientFactory) -> None:
    async def sign(method: str, hop_url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        await asyncio.sleep(0)  # e.g. signing on a worker thread
        return {**headers, "Signature": f"signed {method} {hop_url}"}

    client = await make_client(private_address_allowlist=["127.0.0.1"])
    response = await client.post(url(remote, "/redirect?status=307&to=/echo"), b"{}", sign=sign)
    assert response.json()["signature"] == f"signed POST {url(remote, '/echo')}"


async def test_credentials_dropped_on_cross_origin_redirect(
    remote: TestServer, make_client: ClientFactory
) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1", "localhost"])
    other_origin = url(remote, "/echo", host="localhost")
    response = await client.get(
        url(remote, f"/redirect?to={other_origin}"), headers={"Authorization": "Bearer secret"}
    )
    assert response.url == other_origin
    assert response.json()["authorization"] is None


# --- size and time limits (attack 11) ---


async def test_announced_size_over_cap(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"], max_response_bytes=1000)
    with pytest.raises(FetchError, match="announced 2000 bytes"):
        await client.get(url(remote, "/big"))


async def test_streamed_size_over_cap(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"], max_response_bytes=2500)
    with pytest.raises(FetchError, match="exceeds the 2500-byte limit"):
        await client.get(url(remote, "/stream-big"))


async def test_body_at_cap_is_accepted(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"], max_response_bytes=3000)
    response = await client.get(url(remote, "/stream-big"))
    assert response.body == b"y" * 3000


async def test_gzip_bomb_stopped_by_cap(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"])
    with pytest.raises(FetchError, match="exceeds"):
        await client.get(url(remote, "/gzip-bomb"))


async def test_hanging_server_times_out(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"], total_timeout=0.3)
    started = asyncio.get_running_loop().time()
    with pytest.raises(FetchError, match=r"Timed out talking to 127\.0\.0\.1"):
        await client.get(url(remote, "/hang"))
    assert asyncio.get_running_loop().time() - started < 5  # the server would take 10-30 s


async def test_slow_body_times_out(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"], total_timeout=0.3)
    started = asyncio.get_running_loop().time()
    with pytest.raises(FetchError, match="Timed out"):
        await client.get(url(remote, "/slow"))
    assert asyncio.get_running_loop().time() - started < 5  # the server would take 10-30 s


async def test_deep_json_from_server_is_fetch_error(remote: TestServer, make_client: ClientFactory) -> None:
    client = await make_client(private_address_allowlist=["127.0.0.1"])
    response = await client.get(url(remote, "/deep"))
    assert response.content_type == "application/activity+json"
    with pytest.raises(FetchError, match="nested too deeply"):
        response.json()


# --- errors ---


async def test_network_error_names_host_not_headers(make_client: ClientFactory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = await make_client(private_address_allowlist=["127.0.0.1"])

    def sign(method: str, hop_url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        return {**headers, "Signature": 'keyId="k",signature="TOPSECRET"'}

    with pytest.raises(FetchError) as caught:
        await client.get(f"http://127.0.0.1:{closed_port}/", sign=sign)
    assert "127.0.0.1" in str(caught.value)
    assert "TOPSECRET" not in str(caught.value)


def _response(body: bytes) -> HttpResponse:
    return HttpResponse(
        status=200,
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
        body=body,
        url="https://a.test/x",
    )


async def test_json_helpers() -> None:
    assert _response(b'{"a": 1}').json() == {"a": 1}
    assert _response(b"[1, 2]").json() == [1, 2]
    assert _response(b"").content_type == "application/json"
    with pytest.raises(FetchError, match=r"a\.test"):
        _response(b"{nope").json()
    with pytest.raises(FetchError):
        _response(b"\xff\xfe\xfa").json()
    with pytest.raises(FetchError, match="nested too deeply"):
        _response(b'{"a":' * 50_000 + b"1" + b"}" * 50_000).json()
