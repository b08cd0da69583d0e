"""Protocol: an app's HTML post content as the Markdown source a local post keeps: paragraphs, line breaks, links,
emphasis, lists and code kept; every other tag dropped (script and style with their text), and the text's own
Markdown characters escaped, so that it shows as the app showed it. Not a security boundary: the Markdown is
rendered and sanitised as every local post is (domain/content.py)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from circlefed.protocol.parse import is_http_url

DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "textarea", "select", "svg", "math"}
)
PARAGRAPHS = frozenset({"p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr"})
MARKS = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`", "s": "~~", "del": "~~"}
# Markdown's inline characters anywhere, and its block markers where a line starts.
_INLINE = re.compile(r"([\\`*_\[\]<>~|])")
_LINE_START = re.compile(r"^(\s*)(\d+(?=[.)])|)([#>+=.)-])")


class _Markdown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skipping = 0
        self._links: list[tuple[str | None, int]] = []  # (href, where its text starts in out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self._skipping += 1
        elif self._skipping:
            return
        elif tag in PARAGRAPHS:
            self.out.append("\n\n")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in MARKS:
            self.out.append(MARKS[tag])
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self._links.append((href if is_http_url(href) else None, len(self.out)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and not self._skipping:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self._skipping = max(0, self._skipping - 1)
        elif self._skipping:
            return
        elif tag in PARAGRAPHS:
            self.out.append("\n\n")
        elif tag in MARKS:
            self.out.append(MARKS[tag])
        elif tag == "a" and self._links:
            self._close_link(*self._links.pop())

    def _close_link(self, href: str | None, start: int) -> None:
        text = "".join(self.out[start:]).strip()
        if href is None:
            return
        del self.out[start:]
        target = href.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
        shown = text or _INLINE.sub(r"\\\1", href)
        self.out.append(f"[{shown}](<{target}>)")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        text = _INLINE.sub(r"\\\1", re.sub(r"\s+", " ", data))
        if self._at_line_start():
            text = _LINE_START.sub(r"\1\2\\\3", text)
        self.out.append(text)

    def _at_line_start(self) -> bool:
        last = next((piece for piece in reversed(self.out) if piece.strip(" ")), "\n")
        return last.endswith("\n")


def markdown_of_html(html: str) -> str:
    """The Markdown source of an HTML fragment (blank lines between paragraphs, no spaces at line ends)."""
    parser = _Markdown()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    lines = [line.strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text
