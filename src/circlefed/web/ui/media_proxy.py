"""Web UI: the optional media proxy (setting media.proxy): a remote post's images shown inline, fetched through
this server for a reader who may read the post now, so that the image's server never learns a reader's address.

Images stay links by default (protocol/remote_html.py marks them with the class "image"). With the proxy on, the
thread page puts an <img> inside each such link whose source is /threads/<id>/media/<n> or /posts/<id>/media/<n>:
the n-th image link of that row. Every request passes the read rule again (a ban or a visibility change ends it at
once), fetches through the SSRF-guarded client with the size cap of media.max_bytes, and passes on only PNG,
JPEG, GIF, WebP or AVIF as recognised from the bytes themselves (never SVG, never the sender's content type).
"""

from __future__ import annotations

import html
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import web

from circlefed.domain.directory import not_found
from circlefed.domain.read_rule import row_level
from circlefed.errors import FetchError, UnsafeUrlError
from circlefed.protocol.remote_html import IMAGE_CLASS
from circlefed.storage.models import Post, Thread, Visibility
from circlefed.web.keys import HTTP_CLIENT, SETTINGS
from circlefed.web.ui.member_posts import row_for_path

log = logging.getLogger(__name__)

ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9"
# What a browser may do with a proxied image: show it, nothing else (a crafted file cannot run as a page).
IMAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Content-Disposition": "inline",
    "Referrer-Policy": "no-referrer",
}
CACHE_BUDGET_BYTES = 32 * 1_048_576  # memory only: images are never written to disk
_ANCHOR_RE = re.compile(r"<a\s([^>]*)>(.*?)</a>", re.DOTALL)
_ATTRIBUTE_RE = re.compile(r'([a-z-]+)="([^"]*)"')
_LABEL_PREFIX_RE = re.compile(r"^Image(?::\s*)?")


@dataclass(frozen=True)
class ImageLink:
    href: str
    alt: str


def image_links(content_html: str) -> list[ImageLink]:
    """The image links of a stored (sanitised) post, in order: what /media/<n> counts."""
    return [link for match in _ANCHOR_RE.finditer(content_html) if (link := _image_link(match)) is not None]


def _image_link(match: re.Match[str]) -> ImageLink | None:
    attributes = dict(_ATTRIBUTE_RE.findall(match.group(1)))
    if IMAGE_CLASS not in attributes.get("class", "").split() or not attributes.get("href"):
        return None
    label = html.unescape(re.sub(r"<[^>]*>", "", match.group(2))).strip()
    return ImageLink(html.unescape(attributes["href"]), _LABEL_PREFIX_RE.sub("", label, count=1))


def with_inline_images(content_html: str, row_path: str) -> str:
    """The post's HTML with an <img> through the proxy inside each image link (the link still leads to the
    original for a reader who wants it)."""
    count = 0

    def inline(match: re.Match[str]) -> str:
        nonlocal count
        link = _image_link(match)
        if link is None:
            return match.group(0)
        source = f"{row_path}/media/{count}"
        count += 1
        alt = html.escape(link.alt or "Image", quote=True)
        return f'<a {match.group(1)}><img src="{source}" alt="{alt}" loading="lazy"></a>'

    return _ANCHOR_RE.sub(inline, content_html)


def image_type(body: bytes) -> str | None:
    """The image type the bytes are, among those passed on; None for anything else."""
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if body.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if body[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    if body[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    return None


class ImageCache:
    """Recently proxied images by URL, in memory within a byte budget (a page of a thread asks for each of its
    images again on every view); the read rule is checked before the cache is."""

    def __init__(self, budget: int = CACHE_BUDGET_BYTES) -> None:
        self._budget = budget
        self._used = 0
        self._items: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    def get(self, url: str) -> tuple[str, bytes] | None:
        item = self._items.get(url)
        if item is not None:
            self._items.move_to_end(url)
        return item

    def put(self, url: str, kind: str, body: bytes) -> None:
        if len(body) > self._budget // 4 or url in self._items:
            return
        self._items[url] = (kind, body)
        self._used += len(body)
        while self._used > self._budget:
            _, (_, dropped) = self._items.popitem(last=False)
            self._used -= len(dropped)


IMAGE_CACHE = web.AppKey("image_cache", ImageCache)


async def proxied_image(request: web.Request) -> web.StreamResponse:
    """GET /threads/<id>/media/<n> and /posts/<id>/media/<n>: the n-th image of a post the viewer may read."""
    settings = request.app[SETTINGS].media
    if not settings.proxy:
        raise not_found()
    row, _, access = await row_for_path(request)
    links = image_links(row.content_html) if row.deleted_at is None else []
    raw = request.match_info["n"]
    if not raw.isdigit() or int(raw) >= len(links):
        raise not_found()
    url = links[int(raw)].href
    kind, body = request.app[IMAGE_CACHE].get(url) or await _fetch(request, url, _describe(row), int(raw))
    public = row_level(access.circle, row.audience) is Visibility.PUBLIC
    headers = {**IMAGE_HEADERS, "Cache-Control": "private, max-age=86400" if public else "private, no-store"}
    return web.Response(body=body, content_type=kind, headers=headers)


async def _fetch(request: web.Request, url: str, row: str, index: int) -> tuple[str, bytes]:
    cap = request.app[SETTINGS].media.max_bytes
    try:
        response = await request.app[HTTP_CLIENT].get(url, headers={"Accept": ACCEPT}, max_bytes=cap)
    except (FetchError, UnsafeUrlError) as exc:
        log.info("media proxy: image %d of %s not fetched: %s", index, row, exc)
        raise web.HTTPBadGateway(text="The image could not be fetched from its server; its link leads there.") from exc
    kind = image_type(response.body) if response.status == 200 else None
    if kind is None:
        log.info(
            "media proxy: image %d of %s refused: %s answered %d, %d bytes of %s",
            index,
            row,
            response.host,
            response.status,
            len(response.body),
            response.content_type or "no type",
        )
        raise web.HTTPBadGateway(text="The image's server sent no image this server passes on; its link leads there.")
    request.app[IMAGE_CACHE].put(url, kind, response.body)
    return kind, response.body


def _describe(row: Thread | Post) -> str:
    return f"thread {row.id}" if isinstance(row, Thread) else f"reply {row.id}"


def add_routes(app: web.Application) -> None:
    app[IMAGE_CACHE] = ImageCache()
    for prefix in ("/threads/{thread_id}", "/posts/{post_id}"):
        app.router.add_get(f"{prefix}/media/{{n}}", proxied_image)
