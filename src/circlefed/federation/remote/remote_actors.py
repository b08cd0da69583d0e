"""Federation: resolving remote actors and their keys by URL, keyId or handle, validated and cached."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urldefrag

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from circlefed.clock import Clock
from circlefed.errors import BadRequest, CirclefedError, FetchError, SignatureError
from circlefed.federation.caches import TtlCache
from circlefed.federation.remote.circle_facts import reread_remote_circle
from circlefed.http_client import HttpResponse
from circlefed.policy.rate_limit import Rate, RateLimiter
from circlefed.policy.verdicts import Reject
from circlefed.protocol.parse import authority, is_http_url
from circlefed.protocol.remote_actor import (
    InvalidActorDocument,
    RemoteActorDocument,
    is_activity_json,
    parse_actor_document,
    parse_key_document,
    stored_document,
)
from circlefed.storage.models import Actor, Instance

log = logging.getLogger(__name__)

Fetch = Callable[[str], Awaitable[HttpResponse]]
GateCheck = Callable[[str], Awaitable[object]]
# Called with an actor's instance and the actor id's scheme each time an actor is stored (reads NodeInfo once).
InstanceSeen = Callable[[Instance, str], Awaitable[None]]

ACTOR_CACHE_TTL = timedelta(days=1)
REFETCH_INTERVAL_PER_HOST = timedelta(minutes=1)
# Keys verified in this process are reused from memory; a rotated key is refetched on the first failure.
KEY_CACHE_SECONDS = 600.0
UNVERIFIED_KEYS_KEPT = 1_000


@dataclass(frozen=True)
class UnverifiedSigner:
    """An actor fetched for a signature that has not verified yet: kept in memory only, stored (keep()) once a
    signature made with its key verifies, so that forged requests cannot fill the database with actors."""

    document: RemoteActorDocument

    @property
    def uri(self) -> str:
        return self.document.uri

    @property
    def public_key_pem(self) -> str:
        return self.document.public_key_pem


class RemoteActors:
    """Fetches actors through the signed, SSRF-guarded client; the database is the cache."""

    def __init__(
        self,
        fetch: Fetch,
        clock: Clock,
        gate: GateCheck,
        *,
        local_domain: str,
        on_instance: InstanceSeen | None = None,
        new_keys_per_minute: int = 600,
    ) -> None:
        self._fetch = fetch
        self._on_instance = on_instance
        self._clock = clock
        self._gate = gate
        self._local_domain = local_domain
        self._last_refetch: dict[str, float] = {}
        self._by_key = TtlCache[str, Actor](clock, KEY_CACHE_SECONDS)
        # Fetched for a signature that has not verified yet: in memory only, a bounded number.
        self._unverified = TtlCache[str, UnverifiedSigner](clock, KEY_CACHE_SECONDS, max_size=UNVERIFIED_KEYS_KEPT)
        # Keys not known yet, fetched per host: forged requests naming ever new keys cannot make this instance
        # fetch without end (a valid sender's keys are stored after the first verified request).
        self._new_keys = RateLimiter(Rate(new_keys_per_minute, new_keys_per_minute), clock,
                                     what="new keys fetched from this host")

    async def by_key_id(self, key_id: str) -> Actor | UnverifiedSigner:
        """The actor owning key_id: stored, or fetched and validated but not stored (keyId must be an http(s)
        URL)."""
        if not is_http_url(key_id):
            # SPEC: PROTOCOL.md attack 4: acct: and other non-URL keyIds are refused
            raise SignatureError("the keyId is not an http(s) URL")
        cached = self._by_key.get(key_id)
        if cached is not None and not self._stale(cached):
            return cached
        stored = await Actor.get_or_none(public_key_id=key_id)
        if stored is not None and not self._stale(stored):
            self._by_key.put(key_id, stored)
            return stored
        pending = self._unverified.get(key_id)
        return pending if pending is not None else await self._fetch_for_key(key_id)

    async def refetch_key(self, key_id: str) -> UnverifiedSigner | None:
        """Fetch the key again after a verification failure, at most once a minute per host (attack 24)."""
        host = authority(key_id)
        now = self._clock.monotonic()
        last = self._last_refetch.get(host)
        if last is not None and now - last < REFETCH_INTERVAL_PER_HOST.total_seconds():
            log.info("not refetching key %s: %s was refetched %.0fs ago", key_id, host, now - last)
            return None
        self._last_refetch[host] = now
        return await self._fetch_for_key(key_id)

    async def by_uri(self, uri: str, *, refresh: bool = False) -> Actor:
        if not is_http_url(uri):
            raise BadRequest("an actor id must be an http(s) URL")
        cached = await Actor.get_or_none(uri=uri)
        if cached is not None and (cached.is_local or not (refresh or self._stale(cached))):
            return cached
        document = await self._fetch_json(uri)
        actor = await self._store(parse_actor_document(document, requested_url=uri))
        if actor.type == "Group":
            await reread_remote_circle(actor, document)  # whoever reads a Group document learns its level
        return actor

    async def keep(self, signer: Actor | UnverifiedSigner) -> Actor:
        """The signer as stored: call once its signature verified."""
        if isinstance(signer, Actor):
            return signer
        self._unverified.discard(signer.document.key_id)
        return await self._store(signer.document)

    async def _fetch_for_key(self, key_id: str) -> UnverifiedSigner:
        verdict = self._new_keys.take(authority(key_id))
        if isinstance(verdict, Reject):
            raise SignatureError(f"not fetching key {key_id}: {verdict.reason}")
        url = urldefrag(key_id).url
        document = await self._fetch_json(url)
        if document.get("type") not in (None, "Key", "CryptographicKey") or "owner" not in document:
            parsed = parse_actor_document(document, requested_url=url)
        else:
            owner = parse_key_document(document, requested_url=key_id if document.get("id") == key_id else url)
            parsed = parse_actor_document(await self._fetch_json(owner), requested_url=owner)
        if parsed.key_id != key_id:
            # SPEC: PROTOCOL.md HTTP signatures: publicKey.id must be the keyId that signed
            raise InvalidActorDocument(f"{parsed.uri} does not publish the key {key_id}")
        pending = UnverifiedSigner(parsed)
        self._unverified.put(key_id, pending)
        return pending

    async def _fetch_json(self, url: str) -> dict:
        domain = authority(url)
        if domain == self._local_domain:
            raise InvalidActorDocument("a remote key or actor cannot live on this instance's own domain")
        verdict = await self._gate(domain)
        if isinstance(verdict, Reject):
            # SPEC: PROTOCOL.md: never fetch from a blocked domain
            raise SignatureError(f"not fetching from {domain}: {verdict.reason}")
        try:
            response = await self._fetch(url)
        except FetchError as exc:
            raise SignatureError(f"could not fetch {url}: {exc}") from exc
        except CirclefedError as exc:  # UnsafeUrlError from the SSRF guard
            raise SignatureError(f"refused to fetch {url}: {exc}") from exc
        if response.status != 200:
            raise SignatureError(f"fetching {url} answered {response.status}")
        if not is_activity_json(response.headers.get("Content-Type", "")):
            raise InvalidActorDocument(f"{url} is not served as ActivityStreams JSON")
        try:
            document = response.json()
        except FetchError as exc:
            raise InvalidActorDocument(f"{url} is not valid JSON") from exc
        if not isinstance(document, dict):
            raise InvalidActorDocument(f"{url} is not a JSON object")
        return document

    def _stale(self, actor: Actor) -> bool:
        if actor.is_local:
            return False
        return actor.fetched_at is None or self._clock.now() - actor.fetched_at > ACTOR_CACHE_TTL

    async def _store(self, parsed: RemoteActorDocument) -> Actor:
        instance = await Instance.get_or_none(domain=parsed.domain)
        if instance is None:
            try:
                async with in_transaction():
                    instance = await Instance.create(domain=parsed.domain)
            except IntegrityError:
                instance = await Instance.get(domain=parsed.domain)
        if self._on_instance is not None:
            await self._on_instance(instance, parsed.uri.partition(":")[0].lower())
        values = {
            "type": parsed.type,
            "instance": instance,
            "is_local": False,
            "preferred_username": parsed.preferred_username,
            "display_name": parsed.display_name,
            "summary": parsed.summary,
            "url": parsed.url,
            "inbox_uri": parsed.inbox_uri,
            "shared_inbox_uri": parsed.shared_inbox_uri,
            "outbox_uri": parsed.outbox_uri,
            "followers_uri": parsed.followers_uri,
            "public_key_id": parsed.key_id,
            "public_key_pem": parsed.public_key_pem,
            "document": stored_document(parsed.raw),
            "fetched_at": self._clock.now(),
        }
        try:
            actor, _ = await Actor.update_or_create(defaults=values, uri=parsed.uri)
        except IntegrityError:
            # Two requests fetched the same new actor at once; the other insert won.
            actor = await Actor.get(uri=parsed.uri)
            await actor.update_from_dict(values).save()
        self._by_key.put(parsed.key_id, actor)
        return actor
