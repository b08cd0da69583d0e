"""Root: the one outbound HTTP client, guarded against SSRF, redirects, rebinding, huge and slow responses."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
import os
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from circlefed.errors import FetchError, UnsafeUrlError
from circlefed.netguard import Allowlist, check_url, is_public_address

log = logging.getLogger(__name__)

# Returns the headers to send, or an awaitable of them (a signer that works off the event loop).
Signer = Callable[[str, str, dict[str, str], bytes | None], Mapping[str, str] | Awaitable[Mapping[str, str]]]



def trust_store_context() -> ssl.SSLContext:
    """TLS client settings with the system's trust store, or SSL_CERT_FILE / SSL_CERT_DIR where set (a lab CA
    bundle): read when first asked for, not at import, and once per process and setting after that (reading a
    trust store takes tens of milliseconds; a web process and its worker both need one)."""
    return _trust_store_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _trust_store_context(_cert_file: str | None, _cert_dir: str | None) -> ssl.SSLContext:
    return ssl.create_default_context()


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_REDIRECTS_TO_GET = frozenset({301, 302, 303})
_CHUNK = 64 * 1024
_BODY_HEADERS = ("content-type", "content-length", "content-encoding", "digest", "content-digest")
_CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def host(self) -> str:
        return URL(self.url).host or ""

    @property
    def content_type(self) -> str:
        """The media type without parameters, lowercased ("" when absent)."""
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The parsed body; FetchError for anything that is not JSON, including absurd nesting."""
        try:
            return json.loads(self.body)
        except RecursionError:
            # RecursionError is not a ValueError; left alone it would surface as a 500.
            raise FetchError(f"The JSON from {self.host} is nested too deeply.") from None
        except ValueError:
            raise FetchError(f"The response from {self.host} is not valid JSON.") from None


class GuardedResolver(AbstractResolver):
    """Drops non-public answers inside the connector, so the address checked is the address dialled."""

    def __init__(self, allowlist: Allowlist, inner: AbstractResolver) -> None:
        self._allowlist = allowlist
        self._inner = inner

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        if self._allowlist.allows_host(host):
            return answers
        kept = [answer for answer in answers if self._is_allowed(answer["host"])]
        if not kept:
            raise UnsafeUrlError(f"Refusing {host}: it resolves only to private or reserved addresses.")
        if len(kept) < len(answers):
            log.warning("dropped %d non-public addresses of %s", len(answers) - len(kept), host)
        return kept

    def _is_allowed(self, address: str) -> bool:
        return is_public_address(address) or self._allowlist.allows_address(address)

    async def close(self) -> None:
        await self._inner.close()


class SafeHttpClient:
    """Owns the server's single aiohttp.ClientSession; every outbound request goes through request()."""

    def __init__(
        self,
        *,
        user_agent: str,
        allow_http: bool = False,
        private_address_allowlist: Sequence[str] = (),
        connect_timeout: float = 5,
        total_timeout: float = 15,
        max_response_bytes: int = 1_048_576,
        max_redirects: int = 3,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 100,
        resolver: AbstractResolver | None = None,
    ) -> None:
        """resolver is the underlying DNS resolver (default: getaddrinfo in a thread); tests inject stubs."""
        self._user_agent = user_agent
        self._allow_http = allow_http
        self._allowlist = Allowlist(private_address_allowlist)
        self._connect_timeout = connect_timeout
        self._total_timeout = total_timeout
        self._max_bytes = max_response_bytes
        self._max_redirects = max_redirects
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._inner_resolver = resolver
        self._resolver: GuardedResolver | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is not None:
            return
        self._resolver = GuardedResolver(self._allowlist, self._inner_resolver or aiohttp.ThreadedResolver())
        connector = aiohttp.TCPConnector(
            resolver=self._resolver,
            use_dns_cache=False,  # a cached answer would be dialled later without passing the guard again
            limit=self._max_connections,
            ssl=self._ssl_context if self._ssl_context is not None else True,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=self._total_timeout, connect=self._connect_timeout, sock_connect=self._connect_timeout
            ),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # no proxy from the environment: it would connect on our behalf, unguarded
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._resolver is not None:
            await self._resolver.close()
            self._resolver = None

    async def __aenter__(self) -> SafeHttpClient:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        sign: Signer | None = None,
        follow_redirects: bool = True,
        max_bytes: int | None = None,
    ) -> HttpResponse:
        return await self.request(
            "GET", url, headers=headers, sign=sign, follow_redirects=follow_redirects, max_bytes=max_bytes
        )

    async def post(
        self,
        url: str,
        body: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        sign: Signer | None = None,
        follow_redirects: bool = True,
    ) -> HttpResponse:
        return await self.request("POST", url, headers=headers, body=body, sign=sign, follow_redirects=follow_redirects)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        sign: Signer | None = None,
        follow_redirects: bool = True,
        max_bytes: int | None = None,
    ) -> HttpResponse:
        """Send one request, following at most max_redirects redirects, each re-checked and re-signed.

        sign(method, url, headers, body) is called for every hop and returns (or awaits) the full headers to send.
        Raises UnsafeUrlError for a forbidden destination and FetchError for any transport failure;
        HTTP error statuses are returned, not raised. max_bytes replaces the client's cap for this request.
        """
        session = self._require_session()
        method = method.upper()
        target = check_url(url, allow_http=self._allow_http, allowlist=self._allowlist)
        base = _without(headers or {}, ("user-agent",))
        base["User-Agent"] = self._user_agent
        deadline = asyncio.get_running_loop().time() + self._total_timeout
        for _ in range(self._max_redirects + 1):
            response = await self._exchange(session, method, target, base, body, sign, deadline, max_bytes)
            next_target = self._redirect_target(response, target) if follow_redirects else None
            if next_target is None:
                return response
            log.debug("following %d redirect from %s to %s", response.status, target.host, next_target.host)
            if response.status in _REDIRECTS_TO_GET and method != "HEAD":
                method, body = "GET", None
                base = _without(base, _BODY_HEADERS)
            if next_target.origin() != target.origin():
                base = _without(base, _CREDENTIAL_HEADERS)
            target = next_target
        raise FetchError(f"More than {self._max_redirects} redirects, last from {target.host}.")

    def _require_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("SafeHttpClient.start() has not been called")
        return self._session

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        base_headers: dict[str, str],
        body: bytes | None,
        sign: Signer | None,
        deadline: float,
        max_bytes: int | None,
    ) -> HttpResponse:
        headers = await _hop_headers(method, url, base_headers, body, sign, self._user_agent)
        host = url.host or ""
        try:
            async with (
                asyncio.timeout_at(deadline),
                session.request(method, url, headers=headers, data=body, allow_redirects=False) as resp,
            ):
                payload = await self._read_capped(resp, host, max_bytes or self._max_bytes)
                return HttpResponse(resp.status, resp.headers, payload, str(url))
        except TimeoutError as exc:
            # Checked before OSError: aiohttp's timeouts subclass both TimeoutError and ClientError.
            raise FetchError(f"Timed out talking to {host}.") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise FetchError(f"Could not fetch from {host}: {_describe(exc)}.") from exc

    async def _read_capped(self, resp: aiohttp.ClientResponse, host: str, limit: int) -> bytes:
        declared = resp.content_length
        if declared is not None and declared > limit:
            raise FetchError(f"{host} announced {declared} bytes, over the {limit}-byte limit.")
        chunks: list[bytes] = []
        size = 0
        while chunk := await resp.content.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise FetchError(f"The response from {host} exceeds the {limit}-byte limit.")
            chunks.append(chunk)
        return b"".join(chunks)

    def _redirect_target(self, response: HttpResponse, current: URL) -> URL | None:
        if response.status not in _REDIRECTS:
            return None
        location = response.headers.get("Location")
        if not location:
            return None
        try:
            joined = current.join(URL(location))
        except ValueError as exc:
            raise FetchError(f"{current.host} sent an unusable redirect.") from exc
        return redirect_target(current, joined, allow_http=self._allow_http, allowlist=self._allowlist)


def redirect_target(current: URL, location: URL, *, allow_http: bool, allowlist: Allowlist) -> URL:
    """The checked next hop; a redirect may not downgrade https to http even where http is allowed."""
    target = check_url(location, allow_http=allow_http, allowlist=allowlist)
    if current.scheme == "https" and target.scheme != "https":
        raise UnsafeUrlError(f"Refusing the redirect from https://{current.host} to plain http.")
    return target


async def _hop_headers(
    method: str, url: URL, base: dict[str, str], body: bytes | None, sign: Signer | None, user_agent: str
) -> dict[str, str]:
    if sign is None:
        return dict(base)
    headers = sign(method, str(url), dict(base), body)
    signed = dict(await headers if inspect.isawaitable(headers) else headers)
    if not any(name.lower() == "user-agent" for name in signed):
        signed["User-Agent"] = user_agent
    return signed


def _without(headers: Mapping[str, str], names: Sequence[str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() not in names}


def _describe(exc: BaseException) -> str:
    """A short cause that never includes request headers (a Signature must not reach the logs)."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__} ({exc.strerror})"
    return type(exc).__name__
