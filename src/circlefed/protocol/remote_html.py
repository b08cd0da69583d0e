"""Protocol: remote post HTML made ready for the one sanitiser (domain/content.py): what the allow-list would
lose is turned into what it keeps. Mastodon's hidden link parts are honoured, headings become strong text, an
image becomes a link with its alt text and the class "image" (never hot-linked: web/ui/media_proxy.py may show
it inline through this server), plain-text hashtags and mentions named in `tag`
become links, and attachments, a quote and poll options are added as links and lists. This is not a security
boundary: the sanitiser runs on the result."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from circlefed.protocol.parse import is_http_url
from circlefed.protocol.post_parts import Attachment, Tag

HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
VOID_TAGS = frozenset({"br", "img", "hr", "wbr", "input", "source", "track", "area", "col", "embed", "meta", "link"})
IMAGE_CLASS = "image"  # marks the links this module made of images; a sender's own "image" class is dropped
KIND_LABELS = {"image": "Image", "video": "Video", "audio": "Audio", "file": "File", "link": "Link"}


class _Rewriter(HTMLParser):
    def __init__(self, tags: tuple[Tag, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._hidden = 0  # depth inside a Mastodon `invisible` span
        self._spans: list[bool] = []  # open spans: whether each ends with an ellipsis
        self._anchors = 0
        self._tag_pattern, self._tags = _tag_pattern(tags)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "span":
            classes = (dict(attrs).get("class") or "").split()
            if self._hidden or "invisible" in classes:
                self._hidden += 1
            else:
                self._spans.append("ellipsis" in classes)
            return
        if self._hidden:
            return
        if tag in HEADINGS:
            self.out.append("<p><strong>")
        elif tag == "img":
            self._image(dict(attrs))
        else:
            self._anchors += tag == "a"
            if tag == "a":
                attrs = [_without_image_class(name, value) for name, value in attrs]
            rendered = "".join(f' {name}="{html.escape(value or "", quote=True)}"' for name, value in attrs)
            self.out.append(f"<{tag}{rendered}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            if self._hidden:
                self._hidden -= 1
            elif self._spans and self._spans.pop():
                self.out.append("…")
            return
        if self._hidden or tag in VOID_TAGS:
            return
        if tag in HEADINGS:
            self.out.append("</strong></p>")
        else:
            self._anchors = max(0, self._anchors - (tag == "a"))
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._anchors or self._tag_pattern is None:
            self.out.append(html.escape(data, quote=False))
            return
        position = 0
        for match in self._tag_pattern.finditer(data):
            tag = self._tags[match.group(0).lower()]
            self.out.append(html.escape(data[position : match.start()], quote=False))
            self.out.append(_link(tag.href, match.group(0), tag.kind))
            position = match.end()
        self.out.append(html.escape(data[position:], quote=False))

    def _image(self, attrs: dict[str, str | None]) -> None:
        src, alt = attrs.get("src") or "", (attrs.get("alt") or "").strip()
        label = f"Image: {alt}" if alt else "Image"
        if self._anchors or not is_http_url(src):
            self.out.append(html.escape(label, quote=False))
        else:
            self.out.append(_link(src, label, IMAGE_CLASS))


def _without_image_class(name: str, value: str | None) -> tuple[str, str | None]:
    if name != "class" or not value:
        return name, value
    return name, " ".join(word for word in value.split() if word != IMAGE_CLASS)


def _tag_pattern(tags: tuple[Tag, ...]) -> tuple[re.Pattern[str] | None, dict[str, Tag]]:
    by_name = {tag.name.lower(): tag for tag in tags}
    if not by_name:
        return None, by_name
    names = sorted(by_name, key=len, reverse=True)  # "@sam@host" before "@sam"
    alternatives = "|".join(re.escape(name) for name in names)
    return re.compile(rf"(?<![\w@#])(?:{alternatives})(?![\w@.-]*\w)", re.IGNORECASE), by_name


def _link(href: str, text: str, kind: str | None = None) -> str:
    classes = f' class="{kind}"' if kind else ""
    return f'<a href="{html.escape(href, quote=True)}"{classes}>{html.escape(text, quote=False)}</a>'


def prepare_remote_html(
    content: str,
    *,
    tags: tuple[Tag, ...] = (),
    attached: tuple[Attachment, ...] = (),
    quote: str | None = None,
    poll: tuple[str, ...] = (),
) -> str:
    """The post's HTML with its hidden parts, headings, images, tags, attachments, quote and poll rewritten for
    the sanitiser's allow-list."""
    rewriter = _Rewriter(tags)
    rewriter.feed(content)
    rewriter.close()
    parts = ["".join(rewriter.out)]
    if poll:
        parts.append("<ul>" + "".join(f"<li>{html.escape(option, quote=False)}</li>" for option in poll) + "</ul>")
    parts += [f"<p>{_link(a.url, _label(a), _link_class(a))}</p>" for a in attached if a.url not in content]
    if quote and quote not in content:
        parts.append(f"<p>Quoting {_link(quote, quote)}</p>")
    return "".join(parts)


def _link_class(attachment: Attachment) -> str | None:
    return IMAGE_CLASS if attachment.kind == "image" else None


def _label(attachment: Attachment) -> str:
    """What a reader sees of an attachment: its kind and alt text; a plain link shows its address."""
    if attachment.kind == "link" and not attachment.alt:
        return attachment.url
    kind = KIND_LABELS.get(attachment.kind, "File")
    return f"{kind}: {attachment.alt}" if attachment.alt else kind
