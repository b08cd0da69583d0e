"""Federation: accepting a delivery at an inbox: gate, verify, origin checks, store once (processing comes later)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from circlefed.clock import Clock
from circlefed.errors import Forbidden, NotFound, SignatureError, TooManyRequests
from circlefed.federation.inbound.inbox_writer import InboxWriter, PendingItem
from circlefed.federation.inbound.verify import Verifier
from circlefed.policy.rate_limit import RateLimiter
from circlefed.policy.verdicts import Reject
from circlefed.protocol.origin import check_activity_origin
from circlefed.protocol.parse import authority, is_http_url, load_json_text, parse_activity
from circlefed.storage.models import Actor

log = logging.getLogger(__name__)

GateCheck = Callable[[str], Awaitable[object]]
OnValidSender = Callable[[str], Awaitable[None]]
Admit = Callable[[Actor], Awaitable[bool]]


@dataclass(frozen=True)
class InboundRequest:
    method: str
    path_qs: str
    headers: Sequence[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Accepted:
    activity_id: str
    is_duplicate: bool
    scheme: str


class Inbound:
    """The inbox pipeline of flow 1, up to the stored InboxItem."""

    def __init__(
        self,
        verifier: Verifier,
        gate: GateCheck,
        clock: Clock,
        on_valid_sender: OnValidSender,
        *,
        limiter: RateLimiter | None = None,
        byte_limiter: RateLimiter | None = None,
    ) -> None:
        self._limiters = [(limiter, lambda _: 1.0), (byte_limiter, len)]
        self._verifier = verifier
        self._gate = gate
        self._clock = clock
        self._on_valid_sender = on_valid_sender
        self._writer = InboxWriter()

    async def accept(self, request: InboundRequest, *, admit: Admit | None = None) -> Accepted:
        """Verify and store one delivery; `admit` (the verified signer) may refuse it with NotFound after the
        signature verified (a local circle's inbox takes its own members' activities only)."""
        document, text = load_json_text(request.body)
        activity = parse_activity(document)
        signed = self._verifier.parse(
            method=request.method, path_qs=request.path_qs, headers=request.headers, body=request.body
        )
        if not is_http_url(signed.key_id):
            # SPEC: PROTOCOL.md attack 4: acct: and other non-URL keyIds are refused before anything else
            raise SignatureError("the keyId is not an http(s) URL")
        for domain in {authority(activity.actor), authority(signed.key_id)}:
            await self._check_gate(domain)
        verified = await self._verifier.verify(signed)
        check_activity_origin(activity, verified.signer.uri)
        if admit is not None and not await admit(verified.signer):
            raise NotFound("the signer is not a member of this local circle")  # the caller answers a bare 404
        domain = authority(activity.actor)
        self._check_rate(domain, request.body)
        await self._on_valid_sender(domain)
        now = self._clock.now()
        is_duplicate = await self._writer.store(
            PendingItem(
                replay_key=signed.replay_key,
                activity_id=activity.id,
                actor_uri=activity.actor,
                domain=domain,
                payload_json=text,
                received_at=now,
            )
        )
        return Accepted(activity_id=activity.id, is_duplicate=is_duplicate, scheme=signed.scheme)

    def _check_rate(self, domain: str, body: bytes) -> None:
        """SPEC: issue 7 rate limits: a domain sending more than its share of requests or of bytes (issue 20: a
        few padded payloads weigh as much as many small ones; counted after the signature is verified, so that
        nobody spends another domain's tokens) is answered 429 with Retry-After."""
        budgets = [(limiter, cost(body)) for limiter, cost in self._limiters if limiter is not None]
        for limiter, amount in budgets:  # every budget checked before any is spent: a refusal costs nothing
            verdict = limiter.check(domain, amount)
            if isinstance(verdict, Reject):
                log.info("refused delivery from %s: %s", domain, verdict.reason)
                raise TooManyRequests(verdict.reason, retry_after=getattr(verdict, "retry_after", None))
        for limiter, amount in budgets:
            limiter.take(domain, amount)

    async def _check_gate(self, domain: str) -> None:
        verdict = await self._gate(domain)
        if isinstance(verdict, Reject):
            log.info("refused delivery from %s: %s", domain, verdict.reason)
            raise Forbidden(verdict.reason)
