"""Storage: the word index (migration 0025) asked on each store: which threads or replies hold every term, as a
subquery of ids to filter a query by (SQLite's FTS5 tables threads_search and posts_search; PostgreSQL's GIN-indexed
search_vector columns, with the 'simple' text search configuration).

A search lists the newest rows first. When few rows hold the words, the store reads them through the index and
sorts them; when many do, it is quicker to walk the rows from the newest and check each until the page is full.
PostgreSQL's planner chooses from its statistics. SQLite's cannot tell, so the index is first asked how many rows
hold the words (up to COMMON), and for more the subquery is written so that SQLite cannot start from it: it asks
the index about each row it walks, or, when a word is a prefix (which FTS5 would gather again for each row), reads
the ids holding the words once and checks each row against them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from pypika_tortoise.context import SqlContext
from pypika_tortoise.terms import Term, ValueWrapper
from tortoise.models import Model

# Above this many rows holding the words, SQLite walks the newest rows instead: reading and sorting this many
# takes about as long as walking the newest rows of a word that common (measured at 100k replies).
COMMON = 4000


@dataclass(frozen=True)
class Words:
    """One search term as the index is asked for it: its words in this order, side by side (one word alone is a
    phrase of one); with `prefix`, its last word may be the start of a longer one. `words`: the term cut into
    words as SQLite's tokenizer cuts it, which PostgreSQL is asked as well (its parser keeps e-mail whole beside
    e and mail, so a prefix on the last word alone needs them apart)."""

    text: str
    prefix: bool = False
    words: tuple[str, ...] = ()


class _Plan(Enum):
    FROM_INDEX = "from the index"  # read the ids holding the words, then their rows (few rows hold them)
    ASK_PER_ROW = "ask per row"  # walk the rows, asking the index about each one's id
    CHECK_PER_ROW = "check per row"  # walk the rows, checking each against the ids read once


async def matching_ids(model: type[Model], terms: Sequence[Words]) -> Term:
    """The ids of the model's rows (threads or posts) holding every term, for a filter `id__in=`."""
    if not terms:
        raise ValueError("a word search needs at least one term")
    meta = model._meta
    dialect = meta.db.capabilities.dialect
    plan = _Plan.FROM_INDEX
    if dialect == "sqlite" and await _is_common(model, terms):
        plan = _Plan.CHECK_PER_ROW if any(term.prefix for term in terms) else _Plan.ASK_PER_ROW
    return _Matching(meta.db_table, dialect, tuple(terms), plan)


async def _is_common(model: type[Model], terms: Sequence[Words]) -> bool:
    """Whether more than COMMON rows hold the terms. The words as written first: FTS5 counts those by reading
    no further than COMMON ids, where a prefix makes it gather every id of every longer word first."""
    whole = [Words(term.text) for term in terms]
    if await _holding(model, whole, COMMON + 1) > COMMON:
        return True
    return any(term.prefix for term in terms) and await _holding(model, terms, COMMON + 1) > COMMON


async def _holding(model: type[Model], terms: Sequence[Words], most: int) -> int:
    """How many rows hold every term, counted up to `most` (FTS5 stops reading there)."""
    index = f"{model._meta.db_table}_search"
    sql = f"SELECT count(*) AS n FROM (SELECT rowid FROM {index} WHERE {index} MATCH ? LIMIT ?)"  # noqa: S608
    rows = await model._meta.db.execute_query_dict(sql, [fts5_query(terms), most])
    return int(rows[0]["n"])


def fts5_query(terms: Sequence[Words]) -> str:
    """FTS5's query: every term a quoted string (its words side by side, nothing in it read as syntax), all of
    them required."""
    return " AND ".join('"' + term.text.replace('"', '""') + '"' + ("*" if term.prefix else "") for term in terms)


class _Matching(Term):
    """`(SELECT id ...)` of the rows the index finds, written for the plan; the terms are bound values."""

    def __init__(self, table: str, dialect: str, terms: tuple[Words, ...], plan: _Plan) -> None:
        super().__init__()
        self.table, self.dialect, self.terms, self.plan = table, dialect, terms, plan

    def get_sql(self, ctx: SqlContext) -> str:
        # The table's name comes from its model; every word is a bound value.
        if self.dialect == "postgres":
            query = " && ".join(_postgres_term(term, ctx) for term in self.terms)
            return f"(SELECT indexed.id FROM {self.table} AS indexed WHERE indexed.search_vector @@ ({query}))"  # noqa: S608
        index, row = f"{self.table}_search", f'"{self.table}"."id"'
        match = ValueWrapper(fts5_query(self.terms)).get_sql(ctx)
        ids = f"SELECT rowid FROM {index} WHERE {index} MATCH {match}"  # noqa: S608
        if self.plan is _Plan.ASK_PER_ROW:
            return f"({ids} AND rowid = {row})"
        if self.plan is _Plan.CHECK_PER_ROW:
            # The inner list does not depend on the row: SQLite reads it once. The outer one does, so SQLite
            # cannot start from it and read the rows it names.
            return f"(SELECT {row} WHERE {row} IN ({ids}))"
        return f"({ids})"


def _postgres_term(term: Words, ctx: SqlContext) -> str:
    """The term as PostgreSQL's parser reads it, or as its words apart when that differs."""
    query = _tsquery(ValueWrapper(term.text).get_sql(ctx), term.prefix)
    apart = " ".join(term.words)
    if not apart or apart == term.text:
        return query
    return f"({query} || {_tsquery(ValueWrapper(apart).get_sql(ctx), term.prefix)})"


def _tsquery(value: str, prefix: bool) -> str:
    """The term's words in order as PostgreSQL's parser reads them (so as to_tsvector read the rows); for a
    prefix, its last word gets `:*` (a term of no words at all is an empty query, which `&&` leaves out)."""
    words = f"phraseto_tsquery('simple', {value})"
    return f"regexp_replace({words}::text, '''$', ''':*')::tsquery" if prefix else words
