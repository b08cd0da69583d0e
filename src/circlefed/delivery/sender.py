"""Delivery: one attempt of one delivery: load the activity and its actor's key, sign afresh, POST, classify."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from circlefed.clock import Clock
from circlefed.delivery.backoff import Outcome, Verdict, classify_status, short_error
from circlefed.delivery.outbox import activity_body
from circlefed.delivery.signed_http import SignedHttp
from circlefed.errors import FetchError, SignatureError, UnsafeUrlError
from circlefed.storage.models import Actor, OutboxActivity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryJob:
    """A claimed delivery with everything needed to send it."""

    id: int
    inbox_uri: str
    domain: str
    attempts: int
    created_at: datetime
    activity: SignedActivity

    @property
    def activity_uri(self) -> str:
        return self.activity.uri


# What a claim returns for each delivery (the rest comes from the activity cache).
JOB_COLUMNS = ("id", "inbox_uri", "domain", "attempts", "created_at", "activity_id")


@dataclass(frozen=True)
class SignedActivity:
    """An activity as sent: its exact body and the key of its actor."""

    uri: str
    body: bytes = field(repr=False)
    key_id: str | None
    private_key_pem: str | None = field(repr=False)


class ActivityCache:
    """Activities by id for a short while: a fan-out to a thousand inboxes loads its activity and key once."""

    def __init__(self, *, size: int = 256, ttl: float = 60.0) -> None:
        self._size = size
        self._ttl = ttl
        self._entries: OrderedDict[int, tuple[float, SignedActivity]] = OrderedDict()

    async def get_many(self, ids: set[int]) -> dict[int, SignedActivity]:
        now = time.monotonic()
        found = {i: entry for i in ids if (entry := self._entries.get(i)) and now - entry[0] < self._ttl}
        missing = ids - found.keys()
        for activity_id, activity in (await _load_activities(missing)).items() if missing else ():
            found[activity_id] = (now, activity)
            self._entries[activity_id] = (now, activity)
            self._entries.move_to_end(activity_id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return {activity_id: entry[1] for activity_id, entry in found.items()}


async def _load_activities(ids: set[int]) -> dict[int, SignedActivity]:
    activities = await OutboxActivity.filter(id__in=ids).values("id", "uri", "payload", "actor_id")
    actors = {
        a["id"]: a
        for a in await Actor.filter(id__in={a["actor_id"] for a in activities}).values(
            "id", "public_key_id", "private_key_pem"
        )
    }
    return {
        a["id"]: SignedActivity(
            uri=a["uri"],
            body=activity_body(a["payload"]),
            key_id=actors[a["actor_id"]]["public_key_id"],
            private_key_pem=actors[a["actor_id"]]["private_key_pem"],
        )
        for a in activities
    }


async def jobs_for(rows: Sequence[dict], cache: ActivityCache) -> list[DeliveryJob]:
    """Claimed delivery rows (JOB_COLUMNS) joined with their activities."""
    activities = await cache.get_many({row["activity_id"] for row in rows})
    return [
        DeliveryJob(
            id=row["id"],
            inbox_uri=row["inbox_uri"],
            domain=row["domain"],
            attempts=row["attempts"],
            created_at=row["created_at"],
            activity=activities[row["activity_id"]],
        )
        for row in rows
        if row["activity_id"] in activities
    ]


class Sender:
    """Makes one signed POST per call and turns whatever happens into an Outcome; never raises for the remote."""

    def __init__(self, http: SignedHttp, clock: Clock, *, timeout: float) -> None:
        self._http = http
        self._clock = clock
        self._timeout = timeout

    async def prepare(self, jobs: Sequence[DeliveryJob]) -> None:
        """Look up, in one go, what sending to the destinations of a claimed batch needs."""
        await self._http.learn_schemes({job.domain for job in jobs})

    async def send(self, job: DeliveryJob) -> Outcome:
        activity = job.activity
        if not activity.private_key_pem or not activity.key_id:
            log.error("delivery %d refused: the activity's actor has no signing key", job.id)
            return Outcome(Verdict.FAILED, None, "the sending actor has no private key")
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.post(
                    job.inbox_uri, activity.body, key_id=activity.key_id, private_key_pem=activity.private_key_pem
                )
        except TimeoutError:
            return Outcome(Verdict.RETRY, None, f"no answer from {job.domain} within {self._timeout:g}s")
        except UnsafeUrlError as exc:
            log.warning("delivery %d to %s refused by the SSRF guard: %s", job.id, job.domain, exc)
            return Outcome(Verdict.FAILED, None, short_error(f"refused destination: {exc}"))
        except FetchError as exc:
            return Outcome(Verdict.RETRY, None, short_error(str(exc)))
        except SignatureError as exc:
            log.error("delivery %d could not be signed: %s", job.id, exc)
            return Outcome(Verdict.FAILED, None, short_error(f"cannot sign: {exc}"))
        outcome = classify_status(response.status, response.headers.get("Retry-After"), self._clock.now())
        if outcome.verdict is Verdict.FAILED:
            log.warning("delivery %d to %s refused with HTTP %d", job.id, job.domain, response.status)
        return outcome
