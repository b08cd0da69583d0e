"""Domain: finding threads and replies by their words among what one reader may read now (a reading Scope):
every word and "quoted phrase" of the query, in any case, in a thread's title or text or a reply's text. The word
index (storage/full_text.py) only narrows the candidates; the scope's read rule decides what is found."""

from __future__ import annotations

import logging
import re
import unicodedata

from circlefed.domain.reading_scope import Scope
from circlefed.storage.full_text import Words, matching_ids
from circlefed.storage.models import Post, Thread

log = logging.getLogger(__name__)

MAX_TERMS = 8
MAX_TERM_LENGTH = 100
# How deep results are paged: each page reads offset + limit rows of each table, so this bounds the work.
MAX_OFFSET = 1000
# A word this long or longer also finds the longer words it begins ("walk" finds "walking"); a shorter one would
# ask the index for too many words to merge, and is matched whole.
MIN_PREFIX = 3
# A query needs one word this long: a single letter finds nearly every row.
MIN_WORD = 2
_TERMS = re.compile(r'"([^"]*)"|(\S+)')


def search_terms(query: str) -> list[str]:
    """The query's "quoted phrases" and other words, each once (spaces inside a phrase made single)."""
    terms: list[str] = []
    for phrase, word in _TERMS.findall(query):
        term = " ".join((phrase or word).split())[:MAX_TERM_LENGTH]
        if term and term.casefold() not in {known.casefold() for known in terms}:
            terms.append(term)
    return terms[:MAX_TERMS]


def words_of(text: str) -> list[str]:
    """The words of a text as the index cuts them: runs of letters, digits and the marks joined to them."""
    return [word for _, _, word in word_spans(text)]


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word) of each word of the text, in order (words_of's words, with their places)."""
    spans, start = [], None
    for at, character in enumerate(text):
        if _in_word(character):
            start = at if start is None else start
        elif start is not None:
            spans.append((start, at, text[start:at]))
            start = None
    if start is not None:
        spans.append((start, len(text), text[start:]))
    return spans


def is_searchable(terms: list[str]) -> bool:
    """Whether the terms hold a word long enough to search for."""
    return any(len(word) >= MIN_WORD for term in terms for word in words_of(term))


def asked_words(terms: list[str]) -> list[Words]:
    """The terms as the index is asked: a phrase (a term with spaces) as written, a single word (or a word joined by
    punctuation, like e-mail) also as the start of longer words; terms without any word are left out."""
    asked = []
    for term in terms:
        words = words_of(term)
        if words:
            prefix = " " not in term and len(words[-1]) >= MIN_PREFIX
            asked.append(Words(term, prefix=prefix, words=tuple(words)))
    return asked


async def find_rows(
    scope: Scope, terms: list[str], *, limit: int, offset: int = 0, circle_id: int | None = None
) -> list[Thread | Post]:
    """Rows of the scope (of one circle of it, with circle_id) holding every term, newest first: `limit` of them
    after the first `offset`."""
    asked = asked_words(terms)
    if scope.is_empty or not asked or limit < 1:
        return []
    if offset > MAX_OFFSET:
        log.info("search: an offset of %d is past the %d results searched; none given", offset, MAX_OFFSET)
        return []
    wanted = offset + limit
    threads = scope.threads().filter(id__in=await matching_ids(Thread, asked))
    replies = scope.replies().filter(id__in=await matching_ids(Post, asked))
    if circle_id is not None:
        threads, replies = threads.filter(circle_id=circle_id), replies.filter(thread__circle_id=circle_id)
    newest_threads = await threads.order_by("-published_at", "-id").limit(wanted)
    newest_replies = await replies.order_by("-published_at", "-id").limit(wanted)
    newest = sorted([*newest_threads, *newest_replies], key=lambda row: (row.published_at, isinstance(row, Post),
                    row.id), reverse=True)
    return newest[offset:wanted]


def _in_word(character: str) -> bool:
    category = unicodedata.category(character)
    return category[0] in "LNM" or category == "Co"
