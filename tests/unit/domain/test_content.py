"""Post content: Markdown and remote HTML come out safe, mentions and links are found, warnings round-trip."""

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circlefed.domain.content import (
    ALLOWED_TAGS,
    MAX_TITLE_LENGTH,
    UNTITLED,
    Mention,
    check_cw,
    check_source,
    check_title,
    extract_mentions,
    extract_references,
    extract_remote_references,
    first_line_title,
    html_to_text,
    remote_cw,
    render_markdown,
    sanitise_html,
    split_cw_title,
    title_from_remote,
    title_with_cw,
)
from circlefed.errors import BadRequest

# SPEC: PROTOCOL.md attack 19 (HTML/script injection in remote content): payloads from the OWASP XSS filter
# evasion cheat sheet. Each must lose every way to run script, load a frame or style the page.
XSS_PAYLOADS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    '<script src="https://xss.example/a.js"',
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    '<img src=x onerror="alert(1)">',
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href=" javascript:alert(1)">click</a>',
    '<a href="jav&#x09;ascript:alert(1)">click</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<iframe src="https://evil.example/"></iframe>',
    "<iframe src=javascript:alert(1)>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<div style="width: expression(alert(1));">x</div>',
    "<style>body{display:none}</style>",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<body onload="alert(1)">',
    '<p onclick="alert(1)" onmouseover="alert(2)">hover</p>',
    '<a href="https://ok.example" onmouseover="alert(1)">ok</a>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<form action="https://evil.example/"><input name="password"><button>go</button></form>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "<<SCRIPT>alert('XSS');//<</SCRIPT>",
    '<a href="https://ok.example" style="position:fixed;top:0">overlay</a>',
]
FORBIDDEN_FRAGMENTS = [
    "<script", "javascript:", "vbscript:", "data:", "<iframe", "style=", "onerror", "onload", "onclick",
    "onmouseover", "<img", "<svg", "<object", "<embed", "<meta", "<base", "<link", "<form", "<input", "<style",
]  # fmt: skip


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def _assert_only_allowed_markup(html: str) -> None:
    """Every element is on the allow-list, with allowed attributes and http(s)/mailto hrefs only."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_TAGS, f"<{tag}> survived in {html!r}"
        assert set(attrs) <= {"href", "rel", "class", "start"}, f"{attrs} survived in {html!r}"
        href = (attrs.get("href") or "https:").lower()
        assert href.startswith(("https:", "http:", "mailto:")), f"href {href!r} survived in {html!r}"


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_remote_html_loses_every_script_frame_and_style(payload):
    # SPEC: PROTOCOL.md attack 19 (sanitise with nh3 on ingest)
    html = sanitise_html(payload)
    _assert_only_allowed_markup(html)
    lowered = html.lower()
    for fragment in FORBIDDEN_FRAGMENTS:
        assert fragment not in lowered, f"{fragment!r} survived in {html!r}"


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_with_raw_html_renders_it_as_harmless_text(payload):
    # SPEC: issue 5 content safety (local Markdown rendered with markdown-it-py, raw HTML off, then sanitised)
    _assert_only_allowed_markup(render_markdown(payload))


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "![x](javascript:alert(1))",
        '[x](https://ok.example "title" onclick="alert(1)")',
    ],
)
def test_markdown_links_never_get_script_urls(source):
    _assert_only_allowed_markup(render_markdown(source))


def test_script_content_is_dropped_not_shown_as_text():
    assert sanitise_html("<p>before</p><script>alert('XSS')</script><p>after</p>") == "<p>before</p><p>after</p>"


def test_links_get_rel_nofollow_noopener_ugc_and_keep_safe_schemes():
    html = sanitise_html(
        '<a href="https://a.example/x" rel="me" target="_blank">a</a> <a href="mailto:help@clinic.example">m</a>'
    )
    assert html == (
        '<a href="https://a.example/x" rel="nofollow noopener ugc">a</a> '
        '<a href="mailto:help@clinic.example" rel="nofollow noopener ugc">m</a>'
    )


@pytest.mark.parametrize("href", ["/logout", "//evil.example/x", "ftp://files.example/x", "#top", "javascript:x"])
def test_relative_and_other_scheme_hrefs_are_dropped(href):
    assert sanitise_html(f'<a href="{href}">x</a>') == '<a rel="nofollow noopener ugc">x</a>'


def test_only_mention_and_hashtag_classes_survive():
    html = sanitise_html(
        '<a href="https://s.example/@kim" class="u-url mention evil">@kim</a>'
        '<a href="https://s.example/tags/a" class="mention hashtag" rel="tag">#a</a><span class="h-card">x</span>'
    )
    assert 'class="mention"' in html and 'class="mention hashtag"' in html
    assert "u-url" not in html and "evil" not in html and "h-card" not in html


def test_tags_outside_the_allow_list_keep_their_text():
    assert sanitise_html("<div><font>kept</font> <u>under</u> <h1>big</h1></div>") == "kept under big"


def test_a_span_keeps_only_the_mention_class_and_no_attribute():
    html = sanitise_html('<span class="mention h-card" style="color:red" onclick="x()">@Quiet Fern</span>')
    assert html == '<span class="mention">@Quiet Fern</span>'


def test_markdown_features_are_kept():
    # SPEC: issue 5 content safety (allow-list: p, br, a, strong, em, code, pre, blockquote, lists, h2-h4)
    html = render_markdown(
        "# Title\n\n### Sub\n\n**bold** *it* `code` [link](https://a.example/)\nnext line\n\n"
        "> quoted\n\n- one\n- two\n\n3. three\n4. four\n\n```\nblock <b>\n```\n"
    )
    assert "<h2>Title</h2>" in html and "<h4>Sub</h4>" in html
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html and "<code>code</code>" in html
    assert '<a href="https://a.example/" rel="nofollow noopener ugc">link</a><br>' in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert '<ol start="3">' in html
    assert "<pre><code>block &lt;b&gt;\n</code></pre>" in html


def test_markdown_images_become_links_to_their_source():
    html = render_markdown("![a calm lake](https://img.example/lake.png)")
    assert html == '<p><a href="https://img.example/lake.png" rel="nofollow noopener ugc">a calm lake</a></p>'


def test_html_to_text_decodes_entities_and_breaks_blocks():
    assert html_to_text("<p>a &amp; b<br>c</p><ul><li>d</li></ul><script>x</script>") == "a & b\nc\nd"


# --- mentions and links ---


def test_mentions_in_source_are_local_names_and_remote_handles():
    # SPEC: issue 5 content safety (mentions extracted)
    refs = extract_references("Hi @robin and @Kim@Social.Example, and @sam@127.0.0.1:8080.")
    assert refs.mentions == (
        Mention("robin"),
        Mention("Kim", "social.example"),
        Mention("sam", "127.0.0.1:8080"),
    )
    assert [m.handle for m in refs.mentions] == ["@robin", "@Kim@social.example", "@sam@127.0.0.1:8080"]


def test_email_addresses_and_profile_urls_are_not_mentions():
    assert extract_mentions("mail help@clinic.example or see https://s.example/@kim and a.b@c.example") == []


def test_mentions_in_code_are_ignored_and_duplicates_dropped():
    refs = extract_references("@robin `@ignored`\n\n```\n@also_ignored\n```\n\n@ROBIN again (@kim)")
    assert refs.mentions == (Mention("robin"), Mention("kim"))


def test_links_in_source_are_markdown_links_autolinks_and_bare_urls():
    refs = extract_references(
        "See [the guide](https://guide.example/a), <https://auto.example/b> and https://bare.example/c. "
        "Also (https://paren.example/d) [bad](javascript:alert(1)) `https://code.example`"
    )
    assert refs.links == (
        "https://guide.example/a",
        "https://auto.example/b",
        "https://bare.example/c",
        "https://paren.example/d",
    )


def test_remote_mentions_come_from_mention_links_and_hashtags_are_skipped():
    refs = extract_remote_references(
        '<p><span class="h-card"><a href="https://clinic.example/c/grief" class="u-url mention">'
        '@<span>grief</span></a></span> <a href="https://lemmy.example/u/ash" class="mention">@ash@lemmy.example</a> '
        '<a href="https://s.example/tags/hope" class="mention hashtag" rel="tag">#<span>hope</span></a> '
        '<a href="https://news.example/story">story</a> <a href="javascript:alert(1)">x</a></p>'
    )
    assert refs.mentions == (
        Mention("grief", "clinic.example", "https://clinic.example/c/grief"),
        Mention("ash", "lemmy.example", "https://lemmy.example/u/ash"),
    )
    assert refs.links == ("https://news.example/story",)


# --- content warnings and titles ---


@pytest.mark.parametrize(
    ("title", "cw"),
    [("Losing my dad", "grief"), ("Hard week", "self-harm [mentioned]"), ("Title", "  suicide   mention ")],
)
def test_cw_title_prefix_round_trips(title, cw):
    # SPEC: PROTOCOL.md trigger warnings ([CW: …] prefix on the title, parsed back from remote Pages)
    prefixed = title_with_cw(title, cw)
    assert prefixed.startswith("[CW: ")
    assert split_cw_title(prefixed) == (title, " ".join(cw.split()))


@given(
    title=st.text(min_size=1, max_size=80).map(str.strip).filter(lambda t: t and not t.startswith("[")),
    cw=st.text(alphabet=st.characters(blacklist_characters="[]"), max_size=60),
)
def test_any_title_and_bracket_free_warning_round_trip(title, cw):
    expected_cw = " ".join(cw.split()) or None
    assert split_cw_title(title_with_cw(title, cw)) == (title, expected_cw)


def test_no_warning_leaves_the_title_alone():
    assert title_with_cw("Plain", None) == "Plain"
    assert title_with_cw("Plain", "   ") == "Plain"
    assert split_cw_title("  Plain title ") == ("Plain title", None)


def test_unbalanced_brackets_in_a_warning_still_parse_back():
    assert split_cw_title(title_with_cw("Title", "grief ] loss")) == ("Title", "grief ) loss")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("[TW: death] After the funeral", ("After the funeral", "death")),
        ("[cw : loss]Title", ("Title", "loss")),
        ("[Content warning: abuse] Title", ("Title", "abuse")),
        ("[CW: grief]", ("", "grief")),
        ("[CW: unclosed Title", ("[CW: unclosed Title", None)),
        ("[CW: ] Title", ("[CW: ] Title", None)),
        ("Title [CW: late]", ("Title [CW: late]", None)),
    ],
)
def test_split_cw_title_variants(title, expected):
    assert split_cw_title(title) == expected


def test_remote_summary_becomes_a_plain_text_warning():
    assert remote_cw("<p>grief &amp; <b>loss</b></p>") == "grief & loss"
    assert remote_cw("") is None and remote_cw(None) is None
    assert len(remote_cw("x" * 400)) == 255


def test_first_line_title_drops_the_circle_mention_of_a_mastodon_note():
    # SPEC: issue 5 (a Mastodon Create(Note) mentioning the circle starts a thread, title from the first line)
    html = (
        '<p><span class="h-card"><a href="https://clinic.example/c/grief" class="u-url mention">'
        "@<span>grief</span></a></span> Missing my mum today<br>It has been a year.</p>"
    )
    assert first_line_title(html) == "Missing my mum today"


def test_first_line_title_skips_lines_of_only_mentions_and_decodes_entities():
    assert first_line_title("<p>@grief@clinic.example</p><p>Tea &amp; talk</p>") == "Tea & talk"


def test_first_line_title_is_trimmed_to_255_characters():
    title = first_line_title("<p>" + "word " * 100 + "</p>")
    assert len(title) == MAX_TITLE_LENGTH and title.endswith("…")


@pytest.mark.parametrize(
    "html",
    [
        "", "<p></p>", '<p><a class="mention" href="https://a.example/c/grief">@grief</a></p>',
        "<script>alert(1)</script>", "<img src=x>",
    ],
)
def test_first_line_title_is_never_empty(html):
    assert first_line_title(html) == UNTITLED


def test_remote_title_prefers_name_and_falls_back_to_the_first_line():
    assert title_from_remote("[CW: grief] Losing dad", "<p>x</p>") == ("Losing dad", "grief")
    mention = '<a href="https://a.example/c/grief" class="u-url mention">@<span>grief</span></a>'
    assert title_from_remote(None, f"<p>{mention} First line</p><p>more</p>") == ("First line", None)
    # SPEC: issue 22 item 5: a word that merely starts with "@" is part of the title
    assert title_from_remote(None, "<p>@context url as a field</p>") == ("@context url as a field", None)
    assert title_from_remote("[CW: grief]", "<p>[TW: loss] From the body</p>") == ("From the body", "grief")
    assert title_from_remote("  ", "") == (UNTITLED, None)


def test_local_input_checks_name_the_problem():
    assert check_title("  A   title ") == "A title"
    assert check_cw("  ") is None
    with pytest.raises(BadRequest, match="title of 1-255"):
        check_title("   ")
    with pytest.raises(BadRequest, match="title of 1-255"):
        check_title("x" * 256)
    with pytest.raises(BadRequest, match="empty"):
        check_source(" \n ")
    with pytest.raises(BadRequest, match="too long"):
        check_source("x" * 50_001)
    with pytest.raises(BadRequest, match="content warning"):
        check_cw("x" * 256)
