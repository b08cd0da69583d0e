"""Domain: what local posts' Markdown adds to CommonMark: bare web addresses become links, and `@name` becomes a
mention of the member a circle shows by that name (a MentionBook says who may be named, and how)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

BOOK = "mention_book"  # the markdown-it env keys: the book to resolve by, and the mentions it found
FOUND = "mentions_found"
# Not a mention when "@" follows these (an e-mail address, a profile URL's path, a word).
_AFTER_WORD = re.compile(r"[\w@/.:+-]")
# A name ends where the next character would continue it: a word character, "@" (a handle's host) or a dot or a
# dash followed by a word character ("@robin.smith" does not name robin).
_CONTINUES = re.compile(r"@|[.-]?\w")
_WORD = re.compile(r"\w")
_HANDLE = re.compile(
    r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?"
)


@dataclass(frozen=True)
class Mentioned:
    """Someone a post names: `label` is what the post shows after "@" (the name the circle shows them by, or a
    remote handle); `href` their page, only where that leads to nothing the circle hides."""

    actor_id: int
    label: str
    href: str | None = None


class MentionBook:
    """Who a post in one circle may mention: by the names the circle shows (any characters, spaces too: the
    longest one written after "@" wins) and by handles (`name@host`)."""

    def __init__(self, names: Mapping[str, Mentioned], handles: Mapping[str, Mentioned]) -> None:
        self._names = sorted(names.items(), key=lambda item: len(item[0]), reverse=True)
        self._handles = {handle.casefold(): who for handle, who in handles.items()}

    def __bool__(self) -> bool:
        return bool(self._names or self._handles)

    def at(self, text: str, at: int) -> tuple[Mentioned, int] | None:
        """The mention starting with the "@" at text[at], and where it ends; None when it names nobody here."""
        start = at + 1
        handle = _HANDLE.match(text, start)
        if handle is not None and (who := self._handles.get(handle.group(0).casefold())) is not None:
            return who, handle.end()
        for name, who in self._names:
            end = start + len(name)
            if text[start:end].casefold() == name.casefold() and not _continues(text, end, name):
                return who, end
        return None


def _continues(text: str, end: int, name: str) -> bool:
    if text[end : end + 1] == "@":
        return True  # `@robin@elsewhere.example` is somebody else
    return _WORD.match(name[-1]) is not None and _CONTINUES.match(text, end) is not None


def add_post_rules(md: MarkdownIt) -> MarkdownIt:
    """Bare http(s) addresses as links (no other scheme, nothing without one: "example.com" stays text), and
    mentions by the env's MentionBook (rendered with none, "@name" stays text)."""
    links = LinkifyIt(options={"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
    for schema in ("ftp:", "//", "mailto:"):
        links.add(schema, None)
    md.linkify = links
    md.options["linkify"] = True
    md.enable("linkify")
    md.core.ruler.push("circlefed_mentions", _mentions)
    md.add_render_rule("mention", _render_mention)
    return md


def _mentions(state) -> None:
    """Core rule: text outside links and code becomes mention tokens where the book knows the name."""
    book: MentionBook | None = state.env.get(BOOK)
    if not book:
        return
    found: list[Mentioned] = state.env.setdefault(FOUND, [])
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type == "text" and not in_link and "@" in token.content:
                children.extend(_split(token, book, found))
            else:
                children.append(token)
        block.children = children


def _split(token: Token, book: MentionBook, found: list[Mentioned]) -> list[Token]:
    text, parts, done, position = token.content, [], 0, 0
    while (at := text.find("@", position)) != -1:
        position = at + 1
        hit = None if at and _AFTER_WORD.match(text[at - 1]) else book.at(text, at)
        if hit is None:
            continue
        who, end = hit
        if at > done:
            parts.append(_text(token, text[done:at]))
        mention = Token("mention", "", 0, level=token.level, meta={"who": who})
        parts.append(mention)
        found.append(who)
        done = position = end
    if done < len(text):
        parts.append(_text(token, text[done:]))
    return parts


def _text(like: Token, content: str) -> Token:
    return Token("text", "", 0, level=like.level, content=content)


def _render_mention(self, tokens: list[Token], idx: int, options, env) -> str:
    who: Mentioned = tokens[idx].meta["who"]
    label = escapeHtml(f"@{who.label}")
    if who.href:
        return f'<a href="{escapeHtml(who.href)}" class="mention">{label}</a>'
    return f'<span class="mention">{label}</span>'
