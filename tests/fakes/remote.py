"""A fake remote ActivityPub server on loopback: serves actors (tweakable documents), signs, records requests."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from circlefed.protocol.httpsig_sign import sign_cavage, sign_rfc9421
from circlefed.protocol.keys import generate_rsa_keypair

AS2 = "application/activity+json"
CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]


def free_port() -> int:
    """A port free now, for a server in another process. It may be taken before that server binds it; an
    in-process server should keep its socket instead: see `reserved_socket`."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reserved_socket(host: str = "127.0.0.1") -> socket.socket:
    """A socket bound to a free port, held until an in-process server listens on it (`server_on`): a port only
    looked up, released and bound again later can meanwhile go to a test in the other pytest process."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


def server_on(app: web.Application, sock: socket.socket) -> TestServer:
    host, port = sock.getsockname()[:2]
    return TestServer(app, host=host, port=port, socket_factory=lambda *_: sock)


@dataclass
class FakeActor:
    name: str
    uri: str
    key_id: str
    private_pem: str
    public_pem: str
    document: dict[str, Any]


@dataclass
class FakeRemote:
    """Start with `await remote.start()`; actors are served at /users/<name>, keys inside the document."""

    actors: dict[str, FakeActor] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    content_type: str = AS2
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    extra_documents: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    webfinger_links: dict[str, str] = field(default_factory=dict)

    async def start(self) -> FakeRemote:
        app = web.Application()
        app.router.add_get("/.well-known/webfinger", self._webfinger)
        app.router.add_get("/users/{name}", self._actor)
        app.router.add_post("/users/{name}/inbox", self._inbox)
        app.router.add_post("/inbox", self._inbox)
        app.router.add_get("/{path:.*}", self._extra)
        self._server = TestServer(app, host="127.0.0.1")  # the kernel picks a free port as it binds
        await self._server.start_server()
        self.port = self._server.port
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.domain = f"127.0.0.1:{self.port}"
        return self

    async def close(self) -> None:
        await self._server.close()

    def add_actor(self, name: str, *, actor_type: str = "Person", key: tuple[str, str] | None = None) -> FakeActor:
        private_pem, public_pem = key or generate_rsa_keypair()
        uri = f"{self.base_url}/users/{name}"
        document = {
            "@context": CONTEXT,
            "id": uri,
            "type": actor_type,
            "preferredUsername": name,
            "name": name.title(),
            "inbox": f"{uri}/inbox",
            "outbox": f"{uri}/outbox",
            "followers": f"{uri}/followers",
            "endpoints": {"sharedInbox": f"{self.base_url}/inbox"},
            "publicKey": {"id": f"{uri}#main-key", "owner": uri, "publicKeyPem": public_pem},
        }
        actor = FakeActor(name, uri, f"{uri}#main-key", private_pem, public_pem, document)
        self.actors[name] = actor
        return actor

    def rotate_key(self, name: str) -> None:
        actor = self.actors[name]
        actor.private_pem, actor.public_pem = generate_rsa_keypair()
        actor.document["publicKey"]["publicKeyPem"] = actor.public_pem

    async def _actor(self, request: web.Request) -> web.Response:
        self.requests.append(("GET", request.path_qs, dict(request.headers)))
        actor = self.actors.get(request.match_info["name"])
        if actor is None:
            return web.Response(status=404)
        document = {**actor.document, **self.overrides.get(actor.name, {})}
        return web.Response(body=json.dumps(document).encode(), content_type=self.content_type)

    async def _webfinger(self, request: web.Request) -> web.Response:
        """Answers acct:name@<this domain> with the actor's id, unless webfinger_links says otherwise."""
        resource = request.query.get("resource", "")
        self.requests.append(("GET", request.path_qs, dict(request.headers)))
        href = self.webfinger_links.get(resource)
        name, _, domain = resource.removeprefix("acct:").partition("@")
        if href is None and domain == self.domain and name in self.actors:
            href = self.actors[name].uri
        if href is None and resource in {a.uri for a in self.actors.values()}:
            href = resource
            resource = f"acct:{resource.rsplit('/', 1)[1]}@{self.domain}"
        if href is None:
            return web.Response(status=404)
        jrd = {"subject": resource, "links": [{"rel": "self", "type": AS2, "href": href}]}
        return web.Response(body=json.dumps(jrd).encode(), content_type="application/jrd+json")

    async def _extra(self, request: web.Request) -> web.Response:
        self.requests.append(("GET", request.path_qs, dict(request.headers)))
        if request.path_qs in self.redirects:
            raise web.HTTPFound(self.redirects[request.path_qs])
        status, content_type, body = self.extra_documents.get(request.path_qs, (404, "text/plain", b"not found"))
        return web.Response(status=status, body=body, content_type=content_type)

    async def _inbox(self, request: web.Request) -> web.Response:
        self.requests.append(("POST", request.path_qs, dict(request.headers)))
        self.received.append(json.loads(await request.read()))
        return web.Response(status=202)

    def activity(self, actor: FakeActor, activity_type: str = "Create", **fields: Any) -> dict[str, Any]:
        number = len(self.received) + len(self.requests) + len(fields) + id(fields) % 100000
        activity = {
            "@context": CONTEXT,
            "id": f"{actor.uri}/activities/{number}",
            "type": activity_type,
            "actor": actor.uri,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }
        if activity_type == "Create" and "object" not in fields:
            activity["object"] = {
                "id": f"{actor.uri}/notes/{number}",
                "type": "Note",
                "attributedTo": actor.uri,
                "content": "<p>hello</p>",
            }
        activity.update(fields)
        return activity


def signed_post_headers(
    actor: FakeActor, url: str, body: bytes, *, now: datetime | None = None, scheme: str = "cavage",
    key_id: str | None = None, extra: dict[str, str] | None = None,
) -> dict[str, str]:
    sign = sign_cavage if scheme == "cavage" else sign_rfc9421
    return sign(
        method="POST", url=url, headers={"Content-Type": AS2, **(extra or {})}, body=body,
        key_id=key_id or actor.key_id, private_key_pem=actor.private_pem, now=now or datetime.now(UTC),
    )


async def post_signed(
    session: ClientSession, actor: FakeActor, url: str, activity: dict[str, Any], **kwargs: Any
) -> tuple[int, str]:
    body = json.dumps(activity).encode()
    headers = signed_post_headers(actor, url, body, **kwargs)
    async with session.post(url, data=body, headers=headers) as response:
        return response.status, await response.text()


def signed_get_headers(actor: FakeActor, url: str) -> dict[str, str]:
    """The headers of an AS2 GET of `url` signed (draft-cavage) now by `actor`."""
    return sign_cavage(
        method="GET", url=url, headers={"Accept": AS2}, body=None, key_id=actor.key_id,
        private_key_pem=actor.private_pem, now=datetime.now(UTC),
    )


async def get_signed(session: ClientSession, actor: FakeActor, url: str) -> tuple[int, str]:
    """GET an AS2 document signed (draft-cavage) by `actor`, as a peer fetching it for one of its people."""
    headers = signed_get_headers(actor, url)
    async with session.get(url, headers={"Accept": AS2, **headers}) as response:
        return response.status, await response.text()
