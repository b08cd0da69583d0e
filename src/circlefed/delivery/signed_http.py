"""Delivery: signed GETs and POSTs: draft-cavage first, RFC 9421 after a 401, the winner remembered per host."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from circlefed.clock import Clock
from circlefed.delivery.outbox import domain_of
from circlefed.http_client import HttpResponse, SafeHttpClient
from circlefed.protocol.httpsig import sign_cavage, sign_rfc9421
from circlefed.storage.models import Instance, SignatureScheme

log = logging.getLogger(__name__)

AS2_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
DEFAULT_SCHEME = SignatureScheme.CAVAGE  # what most of the fediverse verifies; an empty Instance row means it
_SIGNERS = {SignatureScheme.CAVAGE: sign_cavage, SignatureScheme.RFC9421: sign_rfc9421}
_OTHER = {SignatureScheme.CAVAGE: SignatureScheme.RFC9421, SignatureScheme.RFC9421: SignatureScheme.CAVAGE}


class SignedHttp:
    """Signs every request afresh with an actor's key; learns which signature scheme each host accepts."""

    def __init__(self, client: SafeHttpClient, clock: Clock) -> None:
        self._client = client
        self._clock = clock
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
        sign = _SIGNERS[scheme]

        def signer(method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
            return sign(
                method=method,
                url=url,
                headers=headers,
                body=body,
                key_id=key_id,
                private_key_pem=private_key_pem,
                now=self._clock.now(),
            )

        return signer

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
