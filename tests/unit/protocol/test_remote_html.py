"""Remote HTML made ready for the sanitiser (issue 22 items 4-6): what the allow-list would lose is kept in a
form it allows; the result always passes through the one sanitiser, so these tests check both together."""

from circlefed.domain.content import sanitise_html, title_from_remote
from circlefed.protocol.post_parts import Attachment, Tag
from circlefed.protocol.remote_html import prepare_remote_html


def shown(content: str, **parts) -> str:
    return sanitise_html(prepare_remote_html(content, **parts))


def test_basic_inline_formatting_is_kept():
    html = shown("<p><b>bold</b> <i>it</i> <s>gone</s> <del>was</del> x<sup>2</sup> H<sub>2</sub>O</p>")
    assert html == "<p><b>bold</b> <i>it</i> <s>gone</s> <del>was</del> x<sup>2</sup> H<sub>2</sub>O</p>"


def test_headings_become_strong_text():
    assert shown("<h1>Big news</h1><p>body</p>") == "<p><strong>Big news</strong></p><p>body</p>"


def test_mastodon_hidden_link_parts_are_hidden_and_a_cut_link_ends_with_an_ellipsis():
    content = (
        '<p><a href="https://example.org/a/very/long/path"><span class="invisible">https://</span>'
        '<span class="ellipsis">example.org/a/very</span><span class="invisible">/long/path</span></a></p>'
    )
    assert ">example.org/a/very…</a>" in shown(content)
    assert "https://</" not in shown(content) and "/long/path<" not in shown(content)


def test_an_image_in_the_text_becomes_a_link_with_its_alt_text_never_an_embedded_image():
    html = shown('<p><img src="https://m.example/lake.jpg" alt="A lake at dawn"></p>')
    assert "<img" not in html
    assert 'href="https://m.example/lake.jpg" class="image"' in html and "Image: A lake at dawn</a>" in html


def test_only_images_made_here_are_marked_as_images():
    """The media proxy shows links of the class "image" inline: a sender cannot mark any link of its own so."""
    html = shown('<p><a class="image mention" href="https://m.example/page">a page</a></p>')
    assert 'class="image' not in html and 'class="mention"' in html


def test_a_post_that_is_only_an_image_takes_its_title_from_the_image():
    html = shown('<p><img src="https://m.example/lake.jpg"></p>')
    assert title_from_remote(None, html)[0] == "Image"
    only_attached = shown("", attached=(Attachment("image", "https://m.example/l.jpg", "image/jpeg", "Our lake"),))
    assert title_from_remote(None, only_attached)[0] == "Image: Our lake"


def test_attachments_are_listed_as_links_with_their_kind_and_alt_text():
    html = shown(
        "<p>A walk helped.</p>",
        attached=(
            Attachment("image", "https://m.example/a.jpg", "image/jpeg", "Path by the lake"),
            Attachment("video", "https://m.example/b.mp4", "video/mp4"),
            Attachment("link", "https://news.example/story"),
        ),
    )
    assert "<img" not in html and "<video" not in html
    rel = 'rel="nofollow noopener ugc"'
    assert f'<a href="https://m.example/a.jpg" class="image" {rel}>Image: Path by the lake</a>' in html
    assert f'<a href="https://m.example/b.mp4" {rel}>Video</a>' in html and ">https://news.example/story</a>" in html


def test_an_attachment_already_linked_in_the_text_is_not_repeated():
    link = "https://news.example/story"
    html = shown(f'<p><a href="{link}">{link}</a></p>', attached=(Attachment("link", link),))
    assert html.count(link) == 2  # the href and the text of the one link


def test_plain_text_hashtags_and_mentions_named_in_tag_become_links():
    tag_list = (
        Tag("hashtag", "#grief", "https://k.example/tags/grief"),
        Tag("mention", "@sam@k.example", "https://k.example/users/sam"),
    )
    html = shown("<p>Thanks @sam@k.example for the #Grief walk; #griefwork is another tag</p>", tags=tag_list)
    sam = '<a href="https://k.example/users/sam" class="mention" rel="nofollow noopener ugc">@sam@k.example</a>'
    assert sam in html
    assert '<a href="https://k.example/tags/grief" class="hashtag" rel="nofollow noopener ugc">#Grief</a>' in html
    assert "#griefwork" in html and html.count("<a ") == 2


def test_a_quote_and_poll_answers_are_shown():
    html = shown("<p>Which helps you?</p>", quote="https://k.example/notes/9", poll=("Mornings", "Nights"))
    assert "<ul><li>Mornings</li><li>Nights</li></ul>" in html
    assert 'Quoting <a href="https://k.example/notes/9"' in html


def test_markup_the_rewriter_passes_on_is_still_sanitised():
    html = shown('<p onclick="x()">hi <a href="javascript:alert(1)">x</a><script>alert(2)</script></p>',
                 tags=(Tag("hashtag", "#hi", "https://k.example/tags/hi"),))
    assert "onclick" not in html and "javascript" not in html and "alert" not in html
