"""Domain: post content: Markdown to safe HTML, remote HTML sanitising, mentions and links, warnings, titles."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from circlefed.domain.markup_rules import BOOK, FOUND, MentionBook, Mentioned, add_post_rules
from circlefed.errors import BadRequest

MAX_TITLE_LENGTH = 255
MAX_CW_LENGTH = 255
MAX_SOURCE_LENGTH = 50_000
UNTITLED = "Untitled"

# One small allow-list for rendered Markdown and remote HTML alike (PROTOCOL.md attack 19).
ALLOWED_TAGS = frozenset({
    "p", "br", "a", "strong", "em", "b", "i", "s", "del", "sup", "sub", "code", "pre", "blockquote", "ul", "ol",
    "li", "h2", "h3", "h4", "span",
})
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
# Mastodon marks mentions and hashtags with classes ("u-url mention"); only these two survive, and "image", which
# protocol/remote_html.py gives the links it makes of a remote post's images (web/ui/media_proxy.py reads it).
# A span is kept only to mark a mention that links nowhere (domain/markup_rules.py): its one class is "mention".
ALLOWED_CLASSES = {"a": {"mention", "hashtag", "image"}, "span": {"mention"}}
LINK_REL = "nofollow noopener ugc"
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed together with their content (the rest of a disallowed tag's text is kept as plain text).
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "textarea", "select", "svg", "math"}
)
_BLOCK_TAGS = frozenset(
    {"p", "br", "div", "li", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "hr"}
)

_MENTION_RE = re.compile(
    r"(?<![\w@/.:+-])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)"
    r"(?:@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?))?"
)
_URL_RE = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\""
_FULL_HANDLE_RE = re.compile(r"^@[\w.-]+@[\w-]+(?:\.[\w-]+)+(?::\d{1,5})?$")
_CW_OPEN_RE = re.compile(r"^\s*\[\s*(?:cw|tw|content warning|trigger warning)\s*:\s*", re.IGNORECASE)
_SPACES_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Mention:
    """`@name` (local, domain None) or `@name@domain`; href is set when it came from a remote link."""

    name: str
    domain: str | None = None
    href: str | None = None

    @property
    def handle(self) -> str:
        return f"@{self.name}@{self.domain}" if self.domain else f"@{self.name}"


@dataclass(frozen=True)
class References:
    """Mentions and outgoing links found in a post, in order of appearance, without duplicates."""

    mentions: tuple[Mention, ...] = ()
    links: tuple[str, ...] = ()


# --- Markdown and HTML ----------------------------------------------------------------------------------


def _headings_within_allow_list(state) -> None:
    """Thread titles are the page's h1: `#` renders as h2 and anything deeper than h4 as h4."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1])
            token.tag = f"h{min(max(level + 1, 2), 4)}"


def _render_image_as_link(self, tokens: list[Token], idx: int, options, env) -> str:
    # Images are not embedded (no remote media fetched by readers' browsers); the alt text becomes a link.
    token = tokens[idx]
    src = token.attrGet("src") or ""
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escapeHtml(str(src))}">{escapeHtml(alt)}</a>'


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True})
    md.core.ruler.push("circlefed_headings", _headings_within_allow_list)
    md.add_render_rule("image", _render_image_as_link)
    return add_post_rules(md)


_MD = _markdown()


def _keep_safe_urls(tag: str, attribute: str, value: str) -> str | None:
    """nh3 attribute filter: hrefs must be absolute http(s) URLs with a host, or mailto:."""
    if attribute != "href":
        return value
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme == "mailto" or (scheme in ("http", "https") and parts.netloc):
        return value
    return None


def sanitise_html(html: str) -> str:
    """Any HTML (rendered or remote) reduced to the allow-list; links get rel="nofollow noopener ugc"."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_safe_urls,
        allowed_classes={tag: set(names) for tag, names in ALLOWED_CLASSES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def render_markdown(source: str, mentions: MentionBook | None = None) -> str:
    """A local post's Markdown (CommonMark, raw HTML off, line breaks kept, bare http(s) addresses linked) as
    sanitised HTML; `@name` is a mention of whom `mentions` knows by that name (domain/mentions.py), else text."""
    return sanitise_html(_MD.render(source, {BOOK: mentions} if mentions else None))


def mentioned_in(source: str, mentions: MentionBook) -> list[Mentioned]:
    """Whom the post mentions, as render_markdown shows them, in order (once each)."""
    env: dict = {BOOK: mentions}
    _MD.parse(source, env)
    return list({who.actor_id: who for who in env.get(FOUND, [])}.values())


class _TextExtractor(HTMLParser):
    """Text of an HTML fragment with a newline at block boundaries, plus its links with their class and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.anchors: list[tuple[str, str, list[str]]] = []  # (href, classes, text parts)
        self._open_anchor: tuple[str, str, list[str]] | None = None
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "a":
            values = {name: value or "" for name, value in attrs}
            self._open_anchor = (values.get("href", ""), values.get("class", ""), [])

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED_WITH_CONTENT:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "a" and self._open_anchor is not None:
            self.anchors.append(self._open_anchor)
            self._open_anchor = None

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        self.parts.append(data)
        if self._open_anchor is not None:
            self._open_anchor[2].append(data)


def _parse_html(html: str) -> _TextExtractor:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return parser


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, one line per block."""
    lines = "".join(_parse_html(html).parts).splitlines()
    return "\n".join(line.strip() for line in lines if line.strip())


# --- Mentions and links ---------------------------------------------------------------------------------


def extract_mentions(text: str) -> list[Mention]:
    """`@name` and `@name@domain` in plain text (not e-mail addresses or URL paths like /@name)."""
    found = (Mention(name=m.group(1), domain=(m.group(2) or "").lower() or None) for m in _MENTION_RE.finditer(text))
    return _unique_mentions(found)


def extract_urls(text: str) -> list[str]:
    """Bare http(s) URLs in plain text, without trailing punctuation."""
    return _unique(match.group(0).rstrip(_URL_TRAILING) for match in _URL_RE.finditer(text))


def extract_references(source: str) -> References:
    """Mentions and links of a local Markdown post; code spans and code blocks are ignored."""
    texts: list[str] = []
    hrefs: list[str] = []
    for block in _MD.parse(source):
        if block.type != "inline":
            continue
        for child in block.children or []:
            if child.type == "text":
                texts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                texts.append("\n")
            elif child.type in ("link_open", "image"):
                hrefs.append(str(child.attrGet("href") or child.attrGet("src") or ""))
        texts.append("\n")
    text = "".join(texts)
    links = [href for href in hrefs if _keep_safe_urls("a", "href", href)] + extract_urls(text)
    return References(mentions=tuple(extract_mentions(text)), links=tuple(_unique(links)))


def extract_remote_references(html: str) -> References:
    """Mentions (`<a class="mention">`) and other links of remote HTML, read after sanitising it."""
    mentions: list[Mention] = []
    links: list[str] = []
    for href, classes, text_parts in _parse_html(sanitise_html(html)).anchors:
        class_names = classes.split()
        if not href or "hashtag" in class_names:  # Mastodon hashtags are "mention hashtag"
            continue
        if "mention" in class_names:
            mentions.append(_mention_from_anchor(href, "".join(text_parts)))
        else:
            links.append(href)
    return References(mentions=tuple(_unique_mentions(mentions)), links=tuple(_unique(links)))


def _mention_from_anchor(href: str, text: str) -> Mention:
    # Mastodon writes "@<span>bob</span>" (domain only in the href); others write "@bob@host".
    name, _, domain = text.strip().lstrip("@").partition("@")
    return Mention(name=name or href, domain=(domain or urlsplit(href).netloc).lower() or None, href=href)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


def _unique_mentions(mentions: Iterable[Mention]) -> list[Mention]:
    seen: dict[tuple[str, str | None], Mention] = {}
    for mention in mentions:
        seen.setdefault((mention.name.lower(), mention.domain), mention)
    return list(seen.values())


# --- Content warnings and titles ------------------------------------------------------------------------


def normalise_cw(text: str | None) -> str | None:
    """A content warning as stored: whitespace collapsed; None when there is none."""
    cleaned = _SPACES_RE.sub(" ", text or "").strip()
    return cleaned or None


def remote_cw(summary: str | None) -> str | None:
    """A remote `summary` as a content warning: plain text (it may be HTML), at most MAX_CW_LENGTH characters."""
    text = normalise_cw(html_to_text(summary or ""))
    return truncate(text, MAX_CW_LENGTH) if text else None


def title_with_cw(title: str, cw: str | None) -> str:
    """The title as sent to peers that ignore `summary` (Lemmy, PieFed): `[CW: warning] title`."""
    cw = normalise_cw(cw)
    if not cw:
        return title
    if not _brackets_balance(cw):  # keep the prefix parseable: a stray "]" would end it early
        cw = cw.replace("[", "(").replace("]", ")")
    return f"[CW: {cw}] {title}".strip()


def _brackets_balance(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def split_cw_title(title: str) -> tuple[str, str | None]:
    """(title, warning) from a title that may start with `[CW: …]` or `[TW: …]`; brackets inside may nest.

    The title is "" when the prefix was all there was; callers fall back to the first line of the content.
    """
    match = _CW_OPEN_RE.match(title)
    if match is None:
        return title.strip(), None
    depth = 1
    for index in range(match.end(), len(title)):
        depth += {"[": 1, "]": -1}.get(title[index], 0)
        if depth == 0:
            cw = normalise_cw(title[match.end() : index])
            return (title[index + 1 :].strip(), cw) if cw else (title.strip(), None)
    return title.strip(), None  # unbalanced: not a prefix after all


def clean_title(title: str) -> str:
    """A remote title as stored: whitespace collapsed, at most MAX_TITLE_LENGTH characters (may be empty)."""
    return truncate(_SPACES_RE.sub(" ", title).strip(), MAX_TITLE_LENGTH)


def first_line_title(html: str) -> str:
    """The title of a Mastodon-style note that starts a thread: its first line of text, never empty.

    Leading mentions (the circle's handle that addressed it: links marked as mentions, or full handles
    @name@host) are dropped, as Lemmy does; a word that merely starts with "@" stays.
    """
    parsed = _parse_html(sanitise_html(html))
    mentioned = {"".join(text).strip() for _, classes, text in parsed.anchors if _is_mention(classes.split())}
    for line in "".join(parsed.parts).splitlines():
        words = _SPACES_RE.sub(" ", line).strip().split(" ")
        while words and (words[0] in mentioned or _FULL_HANDLE_RE.match(words[0])):
            words.pop(0)
        if line := " ".join(words).strip():
            return truncate(line, MAX_TITLE_LENGTH)
    return UNTITLED


def _is_mention(classes: list[str]) -> bool:
    return "mention" in classes and "hashtag" not in classes  # Mastodon's hashtags are "mention hashtag"


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters; a cut text ends with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def title_from_remote(name: str | None, content_html: str) -> tuple[str, str | None]:
    """(title, warning) of a remote thread: its `name` without a `[CW: …]` prefix, else the content's first line."""
    title, cw = split_cw_title(name or "")
    if not title:
        title, line_cw = split_cw_title(first_line_title(content_html))
        cw = cw or line_cw
    return clean_title(title) or UNTITLED, truncate(cw, MAX_CW_LENGTH) if cw else None


# --- Checks of local input (BadRequest says what is wrong) ----------------------------------------------


def check_title(title: str) -> str:
    title = _SPACES_RE.sub(" ", title).strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise BadRequest(f"a thread needs a title of 1-{MAX_TITLE_LENGTH} characters")
    return title


def check_source(source: str) -> str:
    if not source.strip():
        raise BadRequest("the post is empty: write something before sending")
    if len(source) > MAX_SOURCE_LENGTH:
        raise BadRequest(f"the post is too long: at most {MAX_SOURCE_LENGTH} characters")
    return source


def check_cw(content_warning: str | None) -> str | None:
    cw = normalise_cw(content_warning)
    if cw is not None and len(cw) > MAX_CW_LENGTH:
        raise BadRequest(f"a content warning can be at most {MAX_CW_LENGTH} characters")
    return cw
