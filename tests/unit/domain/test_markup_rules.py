"""Local posts' Markdown beyond CommonMark: bare http(s) addresses become links (no other scheme, nothing without
one), and `@name` becomes a mention only of whom the circle's book knows by that exact name or handle."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circlefed.domain.content import html_to_text, mentioned_in, render_markdown
from circlefed.domain.markup_rules import MentionBook, Mentioned

ROBIN = Mentioned(1, "robin", "https://here.example/u/robin")
FERN = Mentioned(2, "Quiet Fern")
QUIET = Mentioned(3, "Quiet")
SAM = Mentioned(4, "sam@lemmy.example", "https://lemmy.example/u/sam")
BOOK = MentionBook(
    {"robin": ROBIN, "Quiet Fern": FERN, "Quiet": QUIET},
    {"robin@here.example": ROBIN, "sam@lemmy.example": SAM},
)
ROBIN_LINK = '<a href="https://here.example/u/robin" class="mention" rel="nofollow noopener ugc">@robin</a>'


def test_a_bare_web_address_becomes_a_link_without_its_trailing_punctuation():
    html = render_markdown("See https://help.example/grief?page=2. Or (http://old.example/a).")
    assert html == (
        '<p>See <a href="https://help.example/grief?page=2" rel="nofollow noopener ugc">'
        "https://help.example/grief?page=2</a>. Or (<a href=\"http://old.example/a\" "
        'rel="nofollow noopener ugc">http://old.example/a</a>).</p>'
    )


@pytest.mark.parametrize(
    "source",
    [
        "javascript:alert(1)",
        "javascript://example.com/%0Aalert(1)",
        "JaVaScRiPt://x.example/%0Aalert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript://x.example/msgbox",
        "ftp://files.example/x",
        "//evil.example/x",
        "mailto:help@clinic.example",
        "help@clinic.example",
        "example.com and www.example.com",
    ],
)
def test_only_http_and_https_addresses_are_linked(source):
    assert "<a" not in render_markdown(source)


def test_an_address_inside_code_or_a_link_is_not_linked_again():
    html = render_markdown("`https://code.example` [label](https://a.example) <https://auto.example>")
    assert html.count("<a ") == 2 and "<code>https://code.example</code>" in html


def test_mentions_by_shown_name_handle_and_link():
    source = "Hi @robin and @quiet fern, and @Quiet! Also @robin@here.example and @sam@lemmy.example"
    html = render_markdown(source, BOOK)
    assert html == (
        f"<p>Hi {ROBIN_LINK} and <span class=\"mention\">@Quiet Fern</span>, and "
        f'<span class="mention">@Quiet</span>! Also {ROBIN_LINK} and '
        '<a href="https://lemmy.example/u/sam" class="mention" rel="nofollow noopener ugc">@sam@lemmy.example</a></p>'
    )
    assert mentioned_in("@robin @Quiet Fern @robin @sam@lemmy.example", BOOK) == [ROBIN, FERN, SAM]


@pytest.mark.parametrize(
    "source",
    [
        "@robin@elsewhere.example",  # somebody else's robin
        "@robin.smith",
        "@robins",
        "mail robin@here.example",
        "see https://here.example/@robin",
        "`@robin`",
        "[@robin](https://a.example)",
        "@nobody",
        "@Quiet_Fern",
    ],
)
def test_text_that_names_nobody_in_the_book_stays_text(source):
    assert mentioned_in(source, BOOK) == []
    assert 'class="mention"' not in render_markdown(source, BOOK)


def test_the_longest_shown_name_wins_and_a_name_ends_at_punctuation():
    assert mentioned_in("@Quiet Fern's idea", BOOK) == [FERN]
    assert mentioned_in("@Quiet Ferns", BOOK) == [QUIET]
    assert mentioned_in("(@robin), @robin.", BOOK) == [ROBIN]


def test_without_a_book_a_mention_is_plain_text():
    assert render_markdown("@robin") == "<p>@robin</p>"


def test_a_name_with_markup_characters_is_shown_escaped():
    odd = Mentioned(9, '<b onclick="x">J. & co</b>')
    html = render_markdown('hi @<b onclick="x">J. & co</b>', MentionBook({odd.label: odd}, {}))
    assert html == '<p>hi <span class="mention">@&lt;b onclick="x"&gt;J. &amp; co&lt;/b&gt;</span></p>'


@given(st.text(alphabet=st.sampled_from(list("@robin Quiet Fern.-_:/<>`[]()*\nhttps://x.example")), max_size=60))
def test_mentions_never_add_or_drop_a_word_of_the_text(source):
    with_mentions = html_to_text(render_markdown(source, BOOK))
    assert with_mentions.casefold() == html_to_text(render_markdown(source)).casefold()
