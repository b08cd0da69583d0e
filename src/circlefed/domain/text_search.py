"""Domain: finding threads and replies by their words among what one reader may read now (a reading Scope):
every word and "quoted phrase" of the query, in any case, in a thread's title or text or a reply's text."""

from __future__ import annotations

import logging
import re

from tortoise.expressions import Q

from circlefed.domain.reading_scope import Scope
from circlefed.storage.models import Post, Thread

log = logging.getLogger(__name__)

MAX_TERMS = 8
MAX_TERM_LENGTH = 100
# How deep results are paged: each page reads offset + limit rows of each table, so this bounds the work.
MAX_OFFSET = 1000
_TERMS = re.compile(r'"([^"]*)"|(\S+)')


def search_terms(query: str) -> list[str]:
    """The query's "quoted phrases" and other words, each once (spaces inside a phrase made single)."""
    terms: list[str] = []
    for phrase, word in _TERMS.findall(query):
        term = " ".join((phrase or word).split())[:MAX_TERM_LENGTH]
        if term and term.casefold() not in {known.casefold() for known in terms}:
            terms.append(term)
    return terms[:MAX_TERMS]


async def find_rows(scope: Scope, terms: list[str], *, limit: int, offset: int = 0) -> list[Thread | Post]:
    """Rows of the scope holding every term, newest first: `limit` of them after the first `offset`."""
    if scope.is_empty or not terms or limit < 1:
        return []
    if offset > MAX_OFFSET:
        log.info("search: an offset of %d is past the %d results searched; none given", offset, MAX_OFFSET)
        return []
    wanted = offset + limit
    threads = await scope.threads().filter(*[_in_thread(term) for term in terms]).order_by(
        "-published_at", "-id").limit(wanted)
    replies = await scope.replies().filter(*[_in_text(term) for term in terms]).order_by(
        "-published_at", "-id").limit(wanted)
    newest = sorted([*threads, *replies], key=lambda row: (row.published_at, isinstance(row, Post), row.id),
                    reverse=True)
    return newest[offset:wanted]


def _in_text(term: str) -> Q:
    """The term in the text as written; for copies from elsewhere kept without it, in their HTML."""
    return Q(source__icontains=term) | Q(source="", content_html__icontains=term)


def _in_thread(term: str) -> Q:
    return Q(title__icontains=term) | _in_text(term)
