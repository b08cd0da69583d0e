"""The word index on both stores (migration 0025, storage/full_text.py): it follows every insert (rows written in
bulk by the seeder included), edit and deletion; it finds words whole or by their start, phrases in order, in
any case, in a copy from elsewhere by its text and not its markup; a query is text, never the index's syntax; a
rare word is read through the index, and SQLite's plans for common words find the same rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from circlefed.cli.seed import SeedSize, seed
from circlefed.domain.reading_scope import public_scope
from circlefed.domain.replies import reply
from circlefed.domain.text_search import find_rows, search_terms
from circlefed.storage import full_text
from circlefed.storage.models import Post, Thread
from tests.factories import SITE, local_circle, local_person, started_thread
from tests.integration.web.test_page_query_plans import Recorder, scanned_tables
from tests.unit.domain.circle_support import fast_accounts

pytestmark = pytest.mark.storage

__all__ = ["fast_accounts"]  # the autouse fixture


@pytest.fixture
async def open_circle(db):
    host = await local_person(SITE, "host")
    return await local_circle(SITE, "open", host), host


async def found(query: str) -> list[str]:
    """What a search of the public circles finds: each row's title (a thread) or text (a reply), newest first."""
    rows = await find_rows(await public_scope(), search_terms(query), limit=50)
    return [row.title if isinstance(row, Thread) else row.source for row in rows]


async def write(circle, author, clock, title: str, source: str = "Some words.") -> Thread:
    clock.advance(timedelta(seconds=1))
    return await started_thread(SITE, circle, author, now=clock.now(), title=title, source=source)


async def answer(thread: Thread, author, clock, source: str) -> Post:
    clock.advance(timedelta(seconds=1))
    return (await reply(SITE, thread, author, source=source, now=clock.now())).post


async def test_rows_the_seeder_writes_in_bulk_are_found(db):
    await seed(SITE, SeedSize(circles=1, threads=4, posts=12, members=3))
    assert await found("welcome") == ["Welcome to the circle"]
    assert await found('"glad to be here"') == ["Hello, glad to be here."]
    assert len(await found('"how the week went"')) == 3
    seeded_reply = await Post.exclude(source__startswith="Hello").order_by("-id").first()
    assert seeded_reply.source in await found(f'"to thread {seeded_reply.thread_id}"')  # type: ignore[attr-defined]


async def test_the_index_follows_inserts_edits_and_deletions(open_circle, clock):
    circle, host = open_circle
    thread = await write(circle, host, clock, "Morning light", "A walk by the river.")
    answered = await answer(thread, host, clock, "The river was cold.")
    assert await found("river") == ["The river was cold.", "Morning light"]
    await Thread.filter(id=thread.id).update(title="Evening light", source="A swim in the lake.")
    await Post.filter(id=answered.id).update(source="The lake was warm.")
    assert await found("river") == [] and await found("morning") == []
    assert await found("lake") == ["The lake was warm.", "Evening light"]
    await Thread.filter(id=thread.id).update(last_activity_at=clock.now())
    assert await found("evening swim") == ["Evening light"], "an update of other columns keeps the words"
    await Post.filter(id=answered.id).update(source="", content_html="")  # what retention leaves
    assert await found("lake") == ["Evening light"]
    await Post.filter(id=answered.id).delete()
    await Thread.filter(id=thread.id).delete()
    assert await found("lake") == [] and await found("light") == []
    again = await write(circle, host, clock, "Light again", "A walk by the lake.")
    assert await found("lake") == ["Light again"], "a deletion leaves no words behind"
    assert again.id


async def test_words_whole_or_by_their_start_and_phrases_in_order(open_circle, clock):
    circle, host = open_circle
    thread = await write(circle, host, clock, "Walking together", "We walked at dawn, ÜBER the hill; café au lait.")
    await answer(thread, host, clock, "An attic full of e-mails.")
    await answer(thread, host, clock, "नमस्ते दुनिया, मैं ठीक हूँ।")
    assert await found("walk") == ["Walking together"], "a word finds the longer words it begins"
    assert await found("at") == ["Walking together"], "a short word is matched whole: not attic"
    assert await found("über Hill") == ["Walking together"], "any case, letters beyond ASCII too"
    assert await found('"walked at dawn"') == ["Walking together"]
    assert await found('"dawn at walked"') == [] and await found('"walked dawn"') == []
    assert await found("cafe") == [], "accents are kept as written, alike on both stores"
    assert await found("café") == ["Walking together"]
    assert await found("e-mail") == ["An attic full of e-mails."]
    assert await found("नमस्ते") == ["नमस्ते दुनिया, मैं ठीक हूँ।"], "marks joined to letters stay in their word"
    assert await found("walk zebra") == [], "every term is needed"


async def test_a_copy_from_elsewhere_is_found_by_its_text_not_its_markup(open_circle, clock):
    circle, host = open_circle
    thread = await write(circle, host, clock, "Shared", "Words here.")
    await Post.create(uri="https://elsewhere.example/p/1", thread=thread, author=host, in_reply_to_uri=thread.uri,
                      source="", content_html='<p>Seen <a href="https://elsewhere.example/x">elsewhere</a></p>',
                      published_at=clock.now())
    assert await found("elsewhere") == [""]
    assert await found("seen") == [""]


async def test_a_query_is_text_never_the_index_syntax(open_circle, clock):
    circle, host = open_circle
    await write(circle, host, clock, "NOT a title", "Plain (words) and* more: here's one")
    for query in ('NOT', 'title:NOT', '(words)', "here's", 'and*', 'more:', '"', '*', '!one', 'a&b|c', '<->',
                  'NEAR(one here)', '^title', "'", "x:*", "one -here", "\\", "%_"):
        await found(query)  # no error from either store's query parser
    assert await found("NOT") == ["NOT a title"]
    assert await found("title:NOT") == [], "a phrase of two words, not FTS5's column filter"
    assert await found("(words)") == ["NOT a title"]
    assert await found("%_") == []


async def test_a_rare_word_is_read_through_the_index(db, monkeypatch):
    dialect = Thread._meta.db.capabilities.dialect
    await seed(SITE, SeedSize(circles=2, threads=20, posts=200, members=5))
    recorder = Recorder(monkeypatch, type(Thread._meta.db))
    recorder.on = True
    assert await found("glad") == ["Hello, glad to be here.", "Hello, glad to be here."]
    recorder.on = False
    searches = [(query, values) for query, values in recorder.queries if "_search" in query or "@@" in query]
    assert len(searches) >= 2
    for query, values in searches:
        assert not await scanned_tables(query, values, dialect) & {"threads", "posts"}, query
    if dialect == "sqlite":
        plan = await plan_of(searches[-1], dialect)
        assert "SEARCH posts USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
        assert any(line.startswith("SCAN posts_search VIRTUAL TABLE INDEX") for line in plan), plan
    else:  # at this size the planner may start from the circles: the index must serve the words alone
        words = ("SELECT indexed.id FROM posts AS indexed WHERE indexed.search_vector @@ "
                 "phraseto_tsquery('simple', $1)")
        plan = await plan_of((words, ["glad"]), dialect)
        assert any("Bitmap Index Scan on posts_search_vector" in line for line in plan), plan


async def plan_of(recorded: tuple[str, list], dialect: str) -> list[str]:
    """The store's plan for the query (PostgreSQL's with sequential scans priced out, as on a large instance)."""
    query, values = recorded
    if dialect == "sqlite":
        rows = await Thread._meta.db.execute_query_dict(f"EXPLAIN QUERY PLAN {query}", values)
        return [row["detail"] for row in rows]
    async with in_transaction() as connection:
        await connection.execute_script("SET LOCAL enable_seqscan = off")
        return [row["QUERY PLAN"] for row in await connection.execute_query_dict(f"EXPLAIN {query}", values)]


async def test_sqlites_plans_for_common_words_find_the_same_rows(db, monkeypatch):
    await seed(SITE, SeedSize(circles=2, threads=20, posts=200, members=5))
    queries = ["reply", '"reply 3 to"', "thread glad", "of", "zebra"]
    through_the_index = [await found(query) for query in queries]
    assert [len(rows) for rows in through_the_index] == [50, 18, 0, 18, 0]
    monkeypatch.setattr(full_text, "COMMON", 0)  # every word counts as common: the walks
    assert [await found(query) for query in queries] == through_the_index
