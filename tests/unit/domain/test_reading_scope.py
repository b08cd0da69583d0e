"""Reading scopes: the rows a reader may read across circles, straight from the queries (the pages and the client
API check each row again; these must not need it): joined circles whole, public circles' public rows, a reader's
own held rows, and nothing after a ban or leaving; and how a search query is cut into terms."""

from datetime import timedelta

import pytest

from circlefed.domain.reading_scope import joined_scope, public_scope, reader_scope
from circlefed.domain.replies import reply
from circlefed.domain.text_search import find_rows, search_terms
from circlefed.storage.models import Membership, MembershipState, ReviewState, Thread, Visibility
from tests.factories import SITE, approved_member, local_circle, local_person, started_thread

from .circle_support import fast_accounts

pytestmark = pytest.mark.storage

__all__ = ["fast_accounts"]  # the autouse fixture


@pytest.fixture
async def world(db, clock):
    host = await local_person(SITE, "host")
    robin = await local_person(SITE, "robin")
    sam = await local_person(SITE, "sam")
    open_ = await local_circle(SITE, "open", host)
    quiet = await local_circle(SITE, "quiet", host, visibility=Visibility.MEMBERS)
    here = await local_circle(SITE, "here", host, visibility=Visibility.LOCAL)
    for circle in (open_, quiet):
        await approved_member(circle, robin)
    rows = {}
    for name, circle in (("open", open_), ("quiet", quiet), ("here", here)):
        clock.advance(timedelta(seconds=1))
        rows[name] = await started_thread(SITE, circle, host, now=clock.now(), title=f"In {name}", source="words")
        rows[f"{name} reply"] = (await reply(SITE, rows[name], host, source=f"A reply in {name}", now=clock.now())).post
    return {"robin": robin, "sam": sam, "quiet": quiet, "open": open_, "rows": rows}


async def titles(scope) -> set[str]:
    threads = {thread.title for thread in await scope.threads()}
    return threads | {post.source for post in await scope.replies()}


async def test_a_member_reads_the_circles_they_joined_whole(world):
    assert await titles(await joined_scope(world["robin"])) == {
        "In open", "A reply in open", "In quiet", "A reply in quiet"}
    assert await titles(await joined_scope(world["sam"])) == set()


async def test_a_ban_or_leaving_ends_reading_at_once(world):
    robin, quiet = world["robin"], world["quiet"]
    await Membership.filter(circle_id=quiet.id, actor_id=robin.id).update(state=MembershipState.BANNED)
    assert await titles(await joined_scope(robin)) == {"In open", "A reply in open"}
    assert await titles(await reader_scope(robin)) == {"In open", "A reply in open"}
    await Membership.filter(circle_id=world["open"].id, actor_id=robin.id).delete()
    assert await titles(await joined_scope(robin)) == set()


async def test_public_circles_public_rows_only_and_held_rows_their_authors_alone(world, clock):
    expected = {"In open", "A reply in open"}
    assert await titles(await public_scope()) == expected == await titles(await reader_scope(None))
    assert await titles(await reader_scope(world["sam"])) == expected
    await approved_member(world["open"], world["sam"])
    held = await started_thread(SITE, world["open"], world["sam"], now=clock.now(), title="Held", source="words")
    await Thread.filter(id=held.id).update(review_state=ReviewState.HELD)
    assert "Held" in await titles(await joined_scope(world["sam"]))
    await Membership.filter(circle_id=world["open"].id, actor_id=world["sam"].id).delete()
    assert "Held" in await titles(await reader_scope(world["sam"]))
    assert "Held" not in await titles(await reader_scope(world["robin"]))
    assert "Held" not in await titles(await public_scope())


async def test_a_reply_goes_with_its_thread(world, clock):
    await Thread.filter(id=world["rows"]["open"].id).update(deleted_at=clock.now())
    assert await titles(await public_scope()) == set()


async def test_search_finds_every_term_in_a_readers_scope(world):
    assert search_terms('Walk "at   dawn" walk ""') == ["Walk", "at dawn"]
    assert len(search_terms(" ".join(f"w{n}" for n in range(20)))) == 8
    found = await find_rows(await reader_scope(world["robin"]), ["REPLY", "in"], limit=5)
    assert [row.source for row in found] == ["A reply in quiet", "A reply in open"]
    assert await find_rows(await reader_scope(world["sam"]), ["reply", "quiet"], limit=5) == []
