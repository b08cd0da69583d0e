"""Delivery: signed GETs and POSTs: draft-cavage first, RFC 9421 after a 401, the winner remembered per host."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

from cryptography.hazmat.primitives.asymmetric import rsa

from circlefed.clock import Clock
from circlefed.delivery.outbox import domain_of
from circlefed.errors import SignatureError
from circlefed.http_client import HttpResponse, SafeHttpClient
from circlefed.protocol.httpsig_sign import sign_cavage, sign_rfc9421
from circlefed.protocol.keys import load_private_key
from circlefed.storage.models import Instance, SignatureScheme

log = logging.getLogger(__name__)

AS2_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
DEFAULT_SCHEME = SignatureScheme.CAVAGE  # what most of the fediverse verifies; an empty Instance row means it
_SIGNERS = {SignatureScheme.CAVAGE: sign_cavage, SignatureScheme.RFC9421: sign_rfc9421}
_OTHER = {SignatureScheme.CAVAGE: SignatureScheme.RFC9421, SignatureScheme.RFC9421: SignatureScheme.CAVAGE}
# An RSA-2048 signature takes about 0.3 ms, and cryptography releases the GIL while it computes: done on
# these threads, a fan-out signs on another core and the event loop keeps serving pages and I/O meanwhile.
# One thread signs over 3,000 requests a second, more than one loop can send; leave a core to the loop.
# Ed25519 signs in microseconds: a thread hop would cost more than it saves.
_SIGNING_THREADS = min(2, max(1, (os.cpu_count() or 1) - 1))


class SignedHttp:
    """Signs every request afresh with an actor's key; learns which signature scheme each host accepts."""

    def __init__(self, client: SafeHttpClient, clock: Clock, *, sign_in_thread: bool = False) -> None:
        """sign_in_thread: sign with RSA keys on a worker thread, keeping the event loop free (for a web
        process that also delivers; a worker process of its own signs faster on its loop)."""
        self._client = client
        self._clock = clock
        self._sign_in_thread = sign_in_thread
        self._schemes: dict[str, SignatureScheme] = {}
        self._lookup = asyncio.Lock()

    async def post(
        self,
        url: str,
        body: bytes,
        *,
        key_id: str,
        private_key_pem: str,
        content_type: str = "application/activity+json",
    ) -> HttpResponse:
        headers = {"Content-Type": content_type}
        return await self._request("POST", url, headers, body, key_id=key_id, private_key_pem=private_key_pem)

    async def get(self, url: str, *, key_id: str, private_key_pem: str, accept: str = AS2_ACCEPT) -> HttpResponse:
        headers = {"Accept": accept}
        return await self._request("GET", url, headers, None, key_id=key_id, private_key_pem=private_key_pem)

    async def _request(
        self, method: str, url: str, headers: dict, body: bytes | None, *, key_id: str, private_key_pem: str
    ) -> HttpResponse:
        host = domain_of(url)
        first = await self._scheme_for(host)
        response = await self._client.request(
            method, url, headers=headers, body=body, sign=self._signer(first, key_id, private_key_pem)
        )
        if response.status != 401:
            return response
        second = _OTHER[first]
        log.info("%s answered 401 to a %s signature; trying %s once", host, first.value, second.value)
        retried = await self._client.request(
            method, url, headers=headers, body=body, sign=self._signer(second, key_id, private_key_pem)
        )
        if retried.status != 401:
            await self._remember(host, second)
        return retried

    def _signer(self, scheme: SignatureScheme, key_id: str, private_key_pem: str) -> Callable:
        sign = functools.partial(_SIGNERS[scheme], key_id=key_id, private_key_pem=private_key_pem)
        off_loop = self._sign_in_thread and _slow_key(private_key_pem)

        def signer(
            method: str, url: str, headers: dict[str, str], body: bytes | None
        ) -> Mapping[str, str] | Awaitable[Mapping[str, str]]:
            call = functools.partial(sign, method=method, url=url, headers=headers, body=body, now=self._clock.now())
            return asyncio.get_running_loop().run_in_executor(_signing_pool(), call) if off_loop else call()

        return signer

    async def learn_schemes(self, hosts: Iterable[str]) -> None:
        """Load the stored schemes of hosts not known yet in one query (a worker does it per claimed batch, so
        the first fan-out to fifty hosts does not make fifty lookups one after another)."""
        missing = {host for host in hosts if host not in self._schemes}
        if missing:
            stored = dict(await Instance.filter(domain__in=missing).values_list("domain", "signature_scheme"))
            for host in missing:
                self._schemes.setdefault(host, SignatureScheme(stored[host]) if stored.get(host) else DEFAULT_SCHEME)

    async def _scheme_for(self, host: str) -> SignatureScheme:
        """The scheme to start with: learnt in this process, else stored on the Instance row, else cavage."""
        if host not in self._schemes:
            async with self._lookup:
                if host not in self._schemes:
                    stored = await Instance.filter(domain=host).values_list("signature_scheme", flat=True)
                    self._schemes[host] = SignatureScheme(stored[0]) if stored and stored[0] else DEFAULT_SCHEME
        return self._schemes[host]

    async def _remember(self, host: str, scheme: SignatureScheme) -> None:
        """Keep the scheme the host accepted after the other one was refused, here and on its Instance row."""
        self._schemes[host] = scheme
        updated = await Instance.filter(domain=host).update(signature_scheme=scheme)
        if not updated:
            await Instance.get_or_create(domain=host, defaults={"signature_scheme": scheme})
        log.info("%s: signing with %s from now on", host, scheme.value)


@functools.lru_cache(maxsize=256)
def _slow_key(private_key_pem: str) -> bool:
    """Whether signing with this key is worth a thread hop (RSA); an unreadable key fails when it signs."""
    try:
        return isinstance(load_private_key(private_key_pem), rsa.RSAPrivateKey)
    except SignatureError:
        return False


@functools.cache  # one pool per process, made on first use
def _signing_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_SIGNING_THREADS, thread_name_prefix="circlefed-sign")
