"""Federation: verifying a signed request: key fetched and validated, signature checked, replays refused."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from circlefed.clock import Clock
from circlefed.errors import SignatureError
from circlefed.federation.remote.remote_actors import RemoteActors, UnverifiedSigner
from circlefed.protocol.httpsig_parse import SignedRequest, parse_signed_request
from circlefed.protocol.httpsig_verify import verify_signed_request
from circlefed.storage.models import Actor, SeenSignature

log = logging.getLogger(__name__)

MAX_PAST = timedelta(hours=1)
MAX_FUTURE = timedelta(minutes=5)
REPLAY_PURGE_INTERVAL = 600.0
_SIGNATURE_HEADERS = frozenset({"signature", "authorization", "signature-input"})


@dataclass(frozen=True)
class VerifiedRequest:
    signer: Actor
    signed: SignedRequest


class Verifier:
    """Strict verification of inbound signed requests for one instance (its host and scheme)."""

    def __init__(self, remote_actors: RemoteActors, clock: Clock, *, expected_host: str, url_scheme: str) -> None:
        self._actors = remote_actors
        self._clock = clock
        self._expected_host = expected_host
        self._url_scheme = url_scheme
        self._last_purge = float("-inf")

    def parse(
        self, *, method: str, path_qs: str, headers: Sequence[tuple[str, str]], body: bytes | None
    ) -> SignedRequest:
        """Read the signature's shape (no network): callers check the keyId's domain before verify()."""
        if _SIGNATURE_HEADERS.isdisjoint({name.lower() for name, _ in headers}):
            raise SignatureError("the request is not signed")
        return parse_signed_request(method=method, path_qs=path_qs, headers=headers, body=body)

    async def verify(self, signed: SignedRequest) -> VerifiedRequest:
        signer = await self._actors.by_key_id(signed.key_id)
        try:
            self._check(signed, signer)
        except SignatureError as first_failure:
            # The sender may have rotated its key: fetch it again once (rate-limited per host).
            refreshed = await self._actors.refetch_key(signed.key_id)
            if refreshed is None or refreshed.public_key_pem == signer.public_key_pem:
                raise first_failure
            signer = refreshed
            self._check(signed, signer)
        return VerifiedRequest(signer=await self._actors.keep(signer), signed=signed)

    def _check(self, signed: SignedRequest, signer: Actor | UnverifiedSigner) -> None:
        if not signer.public_key_pem:
            raise SignatureError(f"{signer.uri} has no public key")
        verify_signed_request(
            signed,
            public_key_pem=signer.public_key_pem,
            expected_host=self._expected_host,
            now=self._clock.now(),
            max_past=MAX_PAST,
            max_future=MAX_FUTURE,
            url_scheme=self._url_scheme,
        )

    async def remember(self, signed: SignedRequest) -> None:
        """Replay cache over the whole acceptance window (attack 13); call after verify, in the caller's
        transaction when the request also stores something."""
        now = self._clock.now()
        await self._purge_expired(now)
        try:
            await SeenSignature.create(replay_key=signed.replay_key, expires_at=now + MAX_PAST + MAX_FUTURE)
        except IntegrityError:
            # SPEC: PROTOCOL.md attack 13: a captured request sent again is refused
            raise SignatureError("this signed request was already received (replay)") from None

    async def _purge_expired(self, now) -> None:
        tick = self._clock.monotonic()
        if tick - self._last_purge < REPLAY_PURGE_INTERVAL:
            return
        self._last_purge = tick
        await SeenSignature.filter(expires_at__lt=now).delete()
