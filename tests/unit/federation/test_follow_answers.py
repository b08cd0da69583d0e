"""A Follow handled twice (the queue is at least once) is answered with the same Accept, same id, not a second."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from circlefed.domain.site import Site
from circlefed.federation.outbound.publish import answer_follow
from circlefed.storage.models import Delivery, OutboxActivity
from tests.factories import local_circle, local_person, remote_person

pytestmark = pytest.mark.storage
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SITE = Site.for_base_url("https://here.example", "here.example", "Here")


async def test_the_same_follow_answered_twice_sends_one_accept_once(db):
    fran = await local_person(SITE, "fran")
    circle = await local_circle(SITE, "grief", fran)
    follower = await remote_person("sam", "peer.example")
    for _ in range(2):
        async with in_transaction():
            await answer_follow(SITE, circle, follower, "https://peer.example/follows/1", now=NOW)
    accepts = await OutboxActivity.filter(type="Accept")
    assert len(accepts) == 1 and accepts[0].object_uri == "https://peer.example/follows/1"
    assert await Delivery.filter(activity_id=accepts[0].id).count() == 1
    async with in_transaction():
        await answer_follow(SITE, circle, follower, "https://peer.example/follows/2", now=NOW)
    assert await OutboxActivity.filter(type="Accept").count() == 2  # a new Follow gets its own answer
