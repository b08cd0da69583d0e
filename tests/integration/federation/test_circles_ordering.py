"""Activities that arrive out of order: an Update or Delete that overtakes its Create waits for it (bounded)."""

from datetime import UTC, datetime, timedelta

import pytest

from circlefed.clock import FakeClock
from circlefed.domain import threads
from circlefed.storage.models import Post
from circlefed.web.keys import SITE

from .circles import act, circle, inbox_states, member, settle, start_quiet
from .fixtures import deliver, ids_of, payload

pytestmark = pytest.mark.storage
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
async def hosted(start_instance, remote, http):
    """Instance A (on a fake clock) hosting `grief` with one thread, and a Mastodon member `mo` who joined."""
    clock = FakeClock(datetime.now(UTC))
    a = await start_quiet(start_instance, clock=clock)
    fran = await member(a, "fran")
    grief = await circle(a, "grief", fran)
    started = await act(
        a, threads.start_thread(a.app[SITE], grief, fran, title="Welcome", source="Say hello.", now=clock.now())
    )
    group_uri = f"{a.base_url}/c/grief"
    mo = remote.add_actor("mo")
    ids = ids_of(remote, mo, group_uri, a.domain, thread=started.thread.uri, thread_author=fran.uri)
    await deliver(http, mo, f"{group_uri}/inbox", payload("mastodon_follow_1", **ids))
    await settle(a)
    return a, clock, mo, ids


def delete_of(actor, object_uri: str) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{object_uri}#delete",
        "type": "Delete",
        "actor": actor.uri,
        "object": object_uri,
        "to": [PUBLIC],
    }


async def test_a_delete_that_overtakes_its_create_is_applied_once_the_create_arrives(hosted, http):
    # SPEC: PROTOCOL.md deletion and edits (deliveries may arrive in any order)
    a, clock, mo, ids = hosted
    create = payload("mastodon_create_2", **ids)
    note_uri = create["object"]["id"]
    await deliver(http, mo, f"{a.base_url}/inbox", delete_of(mo, note_uri))
    await settle(a)
    await deliver(http, mo, f"{a.base_url}/inbox", create)
    await settle(a)
    with a.db():
        assert (await Post.get(uri=note_uri)).deleted_at is None, "the Delete waits; the Create is stored"
    clock.advance(timedelta(minutes=5))
    await settle(a)
    with a.db():
        assert (await Post.get(uri=note_uri)).deleted_at is not None


async def test_a_delete_of_an_object_that_never_arrives_is_let_go_after_the_grace_period(hosted, http):
    a, clock, mo, _ = hosted
    missing = f"{mo.uri}/statuses/never-sent"
    await deliver(http, mo, f"{a.base_url}/inbox", delete_of(mo, missing))
    await settle(a)
    clock.advance(timedelta(minutes=11))
    await settle(a)
    states = {state for kind, state, _ in await inbox_states(a) if kind == "Delete"}
    assert states == {"delivered"}, "ignored with a log line, not failed, once the grace period is over"
