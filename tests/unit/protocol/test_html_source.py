"""An app's HTML post content kept as the Markdown source of a local post: it renders as the app showed it, and
nothing in it becomes markup it was not (the rendered page goes through the one sanitiser too)."""

from __future__ import annotations

from circlefed.domain.content import render_markdown
from circlefed.protocol.html_source import markdown_of_html


def test_paragraphs_breaks_emphasis_lists_and_links_are_kept():
    html = (
        '<p>Hello <strong>you</strong>,<br>see <a href="https://x.example/a_(b)">this <em>page</em></a>.</p>'
        "<ul><li>one</li><li>two</li></ul>"
    )
    source = markdown_of_html(html)
    assert source == "Hello **you**,\nsee [this *page*](<https://x.example/a_(b)>).\n\n- one\n- two"
    assert render_markdown(source) == (
        '<p>Hello <strong>you</strong>,<br>\nsee <a href="https://x.example/a_(b)" rel="nofollow noopener ugc">'
        "this <em>page</em></a>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )


def test_text_that_looks_like_markdown_or_html_stays_text():
    html = "<p># not a heading<br>1. not a list<br>*not emphasis* &lt;b&gt;not bold&lt;/b&gt; &lt;https://x.example&gt;</p>"
    rendered = render_markdown(markdown_of_html(html))
    # The brackets stay text; the address in them is linked as any bare web address in a post is.
    assert rendered == (
        "<p># not a heading<br>\n1. not a list<br>\n*not emphasis* &lt;b&gt;not bold&lt;/b&gt; "
        '&lt;<a href="https://x.example" rel="nofollow noopener ugc">https://x.example</a>&gt;</p>'
    )


def test_scripts_styles_and_unsafe_links_leave_nothing_behind():
    html = '<p>Hi<script>alert(1)</script><style>p{}</style> <a href="javascript:alert(1)">there</a></p>'
    assert markdown_of_html(html) == "Hi there"
