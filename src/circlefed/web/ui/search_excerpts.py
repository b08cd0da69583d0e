"""Web UI: a search result's words marked: a title, or a short plain-text excerpt of a post around the first place it
holds the query's words, as pieces of text the template escapes (marked ones inside <mark>), never as HTML."""

from __future__ import annotations

from dataclasses import dataclass

from circlefed.domain.content import html_to_text
from circlefed.domain.text_search import asked_words, word_spans

EXCERPT_LENGTH = 240  # characters of text shown around the first match
LEAD = 60  # of them, before it


@dataclass(frozen=True)
class Piece:
    text: str
    marked: bool = False


def marked(text: str, terms: list[str]) -> list[Piece]:
    """The whole text, the places holding a term marked."""
    return _pieces(text, _matches(text, terms), 0, len(text))


def excerpt(content_html: str, terms: list[str]) -> list[Piece]:
    """A post's text as a reader sees it (tags dropped, one space between words), cut to about EXCERPT_LENGTH
    characters around the first match (from the start when the words are elsewhere, as in a title), with "…"
    where it was cut."""
    text = " ".join(html_to_text(content_html).split())
    if len(text) <= EXCERPT_LENGTH:
        return marked(text, terms)
    found = _matches(text, terms)
    start = min(_word_start(text, found[0][0] - LEAD), found[0][0]) if found and found[0][0] > LEAD else 0
    end = _word_end(text, start, start + EXCERPT_LENGTH)
    pieces = _pieces(text, found, start, end)
    if start > 0:
        pieces.insert(0, Piece("…"))
    if end < len(text):
        pieces.append(Piece("…"))
    return pieces


def _matches(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """(start, end) of every place holding a term, merged where they overlap, in order: a term's words side by
    side, in any case, its last word also as the start of a longer one when the search reads it so."""
    spans = word_spans(text)
    folded = [word.casefold() for _, _, word in spans]
    places = []
    for asked in asked_words(terms):
        words = [word.casefold() for _, _, word in word_spans(asked.text)]
        last = len(words) - 1
        for i in range(len(spans) - last):
            if folded[i : i + last] == words[:last] and (
                folded[i + last].startswith(words[last]) if asked.prefix else folded[i + last] == words[last]
            ):
                places.append((spans[i][0], spans[i + last][1]))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(places):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _pieces(text: str, found: list[tuple[int, int]], start: int, end: int) -> list[Piece]:
    pieces, at = [], start
    for match_start, match_end in found:
        if match_end <= start or match_start >= end:
            continue
        match_start, match_end = max(match_start, start), min(match_end, end)
        if match_start > at:
            pieces.append(Piece(text[at:match_start]))
        pieces.append(Piece(text[match_start:match_end], marked=True))
        at = match_end
    if at < end:
        pieces.append(Piece(text[at:end]))
    return pieces


def _word_start(text: str, at: int) -> int:
    """The first word boundary at or after `at`."""
    space = text.find(" ", at)
    return space + 1 if space != -1 else at


def _word_end(text: str, start: int, at: int) -> int:
    """The last word boundary after `start` at or before `at` (or `at` itself inside one very long word)."""
    if at >= len(text):
        return len(text)
    space = text.rfind(" ", start + 1, at)
    return space if space != -1 else at
