"""A configurable fake remote instance: a real aiohttp server on 127.0.0.1 that verifies every signature.

It answers a scripted status per request (202, 401, 410, 429 with Retry-After, 500, or hangs) or per activity
(a payload it always fails on), can refuse
draft-cavage signatures (answering 401 until an RFC 9421 one arrives), and records each verified activity."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, deque
from dataclasses import dataclass

from aiohttp import web

from circlefed.clock import Clock
from circlefed.errors import SignatureError
from circlefed.protocol.httpsig_parse import parse_signed_request
from circlefed.protocol.httpsig_verify import verify_signed_request


@dataclass(frozen=True)
class Received:
    path: str
    activity_id: str
    activity_type: str
    scheme: str
    status: int


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None = None
    hang: bool = False


class FakeRemote:
    """Inboxes at http://127.0.0.1:PORT/<anything>; the public keys it trusts are given by key id."""

    def __init__(self, clock: Clock, public_keys: dict[str, str]) -> None:
        self.clock = clock
        self.public_keys = public_keys
        self.refuse_cavage = False
        self.latency = 0.0  # seconds each answer takes, like a real network and server
        self.default = Answer(202)
        self.by_activity: dict[str, int] = {}  # activity id -> the status it always gets (a payload it chokes on)
        self.received: list[Received] = []
        self.refused: list[str] = []
        self._script: deque[Answer] = deque()
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def inbox(self, name: str = "inbox") -> str:
        return f"http://{self.domain}/{name}"

    def answer(self, status: int, *, times: int = 1, retry_after: str | None = None) -> None:
        """The next `times` verified requests get this status (then the default again)."""
        self._script.extend([Answer(status, retry_after)] * times)

    def hang(self, *, times: int = 1) -> None:
        """The next `times` requests never get an answer (until close())."""
        self._script.extend([Answer(0, hang=True)] * times)

    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]

    def accepted_pairs(self) -> Counter:
        """(inbox path, activity id) -> how many times it was accepted (more than once: a duplicate)."""
        return Counter((r.path, r.activity_id) for r in self.accepted())

    async def start(self) -> FakeRemote:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        scheme = "rfc9421" if "Signature-Input" in request.headers else "cavage"
        try:
            self._verify(request, body)
        except SignatureError as exc:
            self.refused.append(f"{scheme}: {exc}")
            return web.Response(status=401, text="bad signature")
        if scheme == "cavage" and self.refuse_cavage:
            self.refused.append("cavage: this server only accepts RFC 9421")
            return web.Response(status=401, text="RFC 9421 only")
        activity = json.loads(body)
        if activity.get("id") in self.by_activity:
            answer = Answer(self.by_activity[activity["id"]])
        else:
            answer = self._script.popleft() if self._script else self.default
        if self.latency:
            await asyncio.sleep(self.latency)
        if answer.hang:
            await self._released.wait()
            return web.Response(status=503)
        self.received.append(Received(request.path, activity["id"], activity["type"], scheme, answer.status))
        headers = {"Retry-After": answer.retry_after} if answer.retry_after else {}
        return web.Response(status=answer.status, headers=headers)

    def _verify(self, request: web.Request, body: bytes) -> None:
        signed = parse_signed_request(
            method=request.method, path_qs=request.path_qs, headers=list(request.headers.items()), body=body
        )
        key = self.public_keys.get(signed.key_id)
        if key is None:
            raise SignatureError(f"unknown key {signed.key_id}")
        verify_signed_request(
            signed, public_key_pem=key, expected_host=request.host, now=self.clock.now(), url_scheme="http"
        )
