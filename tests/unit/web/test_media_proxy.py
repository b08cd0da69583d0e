"""The media proxy's pieces without a server: which links of a stored post are its images, how they are shown
inline, what bytes count as an image, and the memory cache's byte budget."""

from circlefed.domain.content import sanitise_html
from circlefed.protocol.post_parts import Attachment
from circlefed.protocol.remote_html import prepare_remote_html
from circlefed.web.ui.media_proxy import ImageCache, image_links, image_type, with_inline_images


def stored(content: str, *attached: Attachment) -> str:
    return sanitise_html(prepare_remote_html(content, attached=attached))


def test_the_images_of_a_post_are_counted_in_order_with_their_alt_text():
    html = stored(
        '<p>Look <img src="https://m.example/1.png" alt="Tom &amp; &quot;Jo&quot; <3"> and'
        ' <a href="https://m.example/page">a page</a></p>',
        Attachment("video", "https://m.example/v.mp4"),
        Attachment("image", "https://m.example/2.jpg", alt=None),
    )
    assert [(link.href, link.alt) for link in image_links(html)] == [
        ("https://m.example/1.png", 'Tom & "Jo" <3'),
        ("https://m.example/2.jpg", ""),
    ]


def test_inline_images_keep_the_link_and_escape_the_alt_text():
    html = stored('<p><img src="https://m.example/1.png?a=1&amp;b=2" alt="x&quot; onerror=&quot;y"></p>')
    shown = with_inline_images(html, "/threads/7")
    assert '<img src="/threads/7/media/0" alt="x&quot; onerror=&quot;y" loading="lazy">' in shown
    assert 'href="https://m.example/1.png?a=1&amp;b=2"' in shown
    assert with_inline_images(stored("<p>no pictures</p>"), "/threads/7") == stored("<p>no pictures</p>")
    assert "alt=\"Image\"" in with_inline_images(stored("", Attachment("image", "https://m.example/2.jpg")), "/p")


def test_only_the_bytes_of_known_raster_formats_are_images():
    assert image_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert image_type(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    assert image_type(b"GIF89a....") == "image/gif"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_type(b"\x00\x00\x00\x1cftypavif") == "image/avif"
    for other in (b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"<html>", b"%PDF-1.7", b""):
        assert image_type(other) is None


def test_the_cache_keeps_recent_images_within_its_budget():
    cache = ImageCache(budget=1000)
    cache.put("a", "image/png", bytes(200))
    cache.put("b", "image/png", bytes(200))
    cache.put("huge", "image/png", bytes(300))  # over a quarter of the budget: never kept
    assert cache.get("a") is not None and cache.get("huge") is None
    for name in "cdef":
        cache.put(name, "image/png", bytes(200))
    assert cache.get("b") is None, "the least recently used goes first"
    assert all(cache.get(name) is not None for name in "acdef")
