"""A domain blocked after its members posted: their stored posts disappear from what this instance serves
(objects by id, thread context and replies, the circle's outbox), and come back when the block is lifted."""

from datetime import UTC, datetime

import pytest

from circlefed.domain import federation_policy, replies, threads
from circlefed.federation.domain_gate import cancel_refused_deliveries
from circlefed.storage.models import Circle, OutboxActivity, Thread
from circlefed.web.keys import CLOCK, FEDERATION, SITE

from .circles import act, circle, join, member, settle, start_quiet

pytestmark = pytest.mark.storage
AS2 = {"Accept": "application/activity+json"}


async def set_rule(instance, domain: str, action: str | None) -> None:
    now = datetime.now(UTC)
    with instance.db():
        if action is None:
            await federation_policy.clear_rule(domain, now=now, enforce=cancel_refused_deliveries)
        else:
            await federation_policy.set_rule(domain, action, now=now, enforce=cancel_refused_deliveries)
    instance.app[FEDERATION].domain_gate.invalidate()


async def served(http, url: str) -> tuple[int, dict | None]:
    async with http.get(url, headers=AS2) as response:
        body = await response.json(content_type=None) if response.status == 200 else None
        return response.status, body


async def test_a_blocked_domains_posts_are_no_longer_served_and_return_when_unblocked(start_instance, http):
    a, b = await start_quiet(start_instance), await start_quiet(start_instance)
    fran, bea = await member(a, "fran"), await member(b, "bea")
    await circle(a, "grief", fran)
    await join(b, bea, f"@grief@{a.domain}")
    await settle(a, b)
    now = a.app[CLOCK].now()
    started = await act(a, threads.start_thread(a.app[SITE], await _circle(a), fran, title="t", source="s", now=now))
    await settle(a, b)
    with b.db():
        thread_on_b = await Thread.get(uri=started.thread.uri)
    posted = await act(b, replies.reply(b.app[SITE], thread_on_b, bea, source="from b", now=now))
    await settle(a, b)
    reply_uri = posted.post.uri
    context_url, outbox_url = f"{started.thread.uri}/context", f"{a.base_url}/c/grief/outbox"
    assert reply_uri in (await served(http, context_url))[1]["orderedItems"]
    with a.db():
        relayed = await OutboxActivity.filter(object_uri=reply_uri, type="Announce").order_by("id").first()
    assert (await served(http, relayed.uri))[0] == 200

    await set_rule(a, b.domain, "block")
    status, context = await served(http, context_url)
    assert status == 200 and reply_uri not in context["orderedItems"]
    assert reply_uri not in str((await served(http, outbox_url))[1])
    assert reply_uri not in str((await served(http, f"{started.thread.uri}/replies"))[1])
    assert (await served(http, relayed.uri))[0] == 404, "the Group's relay of it is not served either"

    await set_rule(a, b.domain, None)
    assert reply_uri in (await served(http, context_url))[1]["orderedItems"]
    assert (await served(http, relayed.uri))[0] == 200


async def _circle(instance) -> Circle:
    with instance.db():
        return await Circle.get(slug="grief", is_local=True)
