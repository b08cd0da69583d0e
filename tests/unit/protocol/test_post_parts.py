"""The parts of remote posts that servers send in several shapes (issue 22): inReplyTo, attachments, language,
tags, sensitivity, quotes and polls."""

import pytest

from circlefed.errors import BadRequest
from circlefed.protocol.post_parts import (
    Attachment,
    attachments,
    is_sensitive,
    language,
    poll_options,
    quote_url,
    reply_target,
    tags,
)
from circlefed.protocol.posts import parse_post

PARENT = "https://a.example/notes/1"


@pytest.mark.parametrize(
    "value",
    [
        PARENT,
        [PARENT],
        ["not a url", PARENT],
        {"type": "Link", "href": PARENT},
        {"href": PARENT},
        {"type": "Note", "id": PARENT, "content": "the parent, embedded"},
        {"type": "Collection", "id": "https://a.example/c/1", "items": [PARENT]},
        {"type": "OrderedCollection", "orderedItems": [{"type": "Note", "id": PARENT}]},
    ],
    ids=["string", "list", "list-after-junk", "link", "bare-href", "embedded", "collection", "ordered-collection"],
)
def test_every_in_reply_to_shape_names_the_parent(value):
    # SPEC: issue 22 item 2 (a list, a Link, an embedded object, a Collection)
    assert reply_target(value) == PARENT


@pytest.mark.parametrize("value", [None, [], ""])
def test_no_in_reply_to_is_no_reply(value):
    assert reply_target(value) is None


@pytest.mark.parametrize("value", ["relative/path", {"type": "Note"}, [{"name": "x"}], 7, {"type": "Link"}])
def test_an_in_reply_to_naming_nothing_is_refused_not_taken_for_a_new_thread(value):
    with pytest.raises(BadRequest, match="inReplyTo"):
        reply_target(value)


def test_a_reply_in_a_list_shape_parses_as_a_reply():
    post = parse_post({"type": "Note", "id": "https://b.example/n/2", "attributedTo": "https://b.example/u/bo",
                       "content": "<p>same here</p>", "inReplyTo": [{"type": "Link", "href": PARENT}]})
    assert post.in_reply_to == PARENT


def test_mastodon_lemmy_and_pixelfed_attachments_are_read_with_their_alt_text():
    found = attachments([
        {"type": "Document", "mediaType": "image/jpeg", "url": "https://m.example/a.jpg", "name": "A path by a lake"},
        {"type": "Link", "href": "https://l.example/pictrs/b.png", "mediaType": "image/png"},
        {"type": "Image", "url": [{"type": "Link", "href": "https://p.example/c.webp", "mediaType": "image/webp"}]},
        {"type": "Document", "mediaType": "video/mp4", "url": "https://m.example/d.mp4"},
        {"type": "Document", "mediaType": "audio/ogg", "url": "https://m.example/e.ogg", "sensitive": True},
        {"type": "Link", "href": "https://news.example/story"},
        {"type": "PropertyValue", "name": "Pronouns", "value": "they"},
        {"type": "Document", "url": "javascript:alert(1)"},
    ])
    assert found == (
        Attachment("image", "https://m.example/a.jpg", "image/jpeg", "A path by a lake"),
        Attachment("image", "https://l.example/pictrs/b.png", "image/png"),
        Attachment("image", "https://p.example/c.webp", "image/webp"),
        Attachment("video", "https://m.example/d.mp4", "video/mp4"),
        Attachment("audio", "https://m.example/e.ogg", "audio/ogg", sensitive=True),
        Attachment("link", "https://news.example/story"),
    )


def test_a_post_is_sensitive_when_it_or_one_of_its_files_says_so():
    assert is_sensitive({"sensitive": True}, ())
    assert is_sensitive({}, (Attachment("image", "https://m.example/a.jpg", sensitive=True),))
    assert not is_sensitive({"sensitive": "yes"}, (Attachment("image", "https://m.example/a.jpg"),))


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"content": "<p>hola</p>", "contentMap": {"es": "<p>hola</p>"}}, "es"),
        ({"content": "<p>hi</p>", "contentMap": {"de": "<p>hallo</p>", "en": "<p>hi</p>"}}, "en"),
        ({"contentMap": {"pt-BR": "<p>oi</p>"}}, "pt-BR"),
        ({"content": "x", "language": {"identifier": "fr", "name": "Français"}}, "fr"),
        ({"content": "x", "language": {"identifier": "und", "name": "Undetermined"}}, None),
        ({"content": "x", "contentMap": {"<script>": "x"}}, None),
        ({"content": "x"}, None),
    ],
)
def test_the_language_of_the_shown_text(document, expected):
    assert language(document) == expected


def test_hashtags_and_mentions_with_names_and_links_are_kept_emoji_are_not():
    found = tags([
        {"type": "Hashtag", "href": "https://m.example/tags/grief", "name": "#grief"},
        {"type": "Mention", "href": "https://m.example/users/sam", "name": "@sam@m.example"},
        {"type": "Emoji", "name": ":blob:", "icon": {"url": "https://m.example/blob.png"}},
        {"type": "Hashtag", "href": "javascript:x", "name": "#bad"},
    ])
    assert [(t.kind, t.name) for t in found] == [("hashtag", "#grief"), ("mention", "@sam@m.example")]


def test_quotes_as_misskey_and_fedibird_name_them():
    assert quote_url({"quoteUrl": "https://k.example/notes/9", "_misskey_quote": "https://k.example/notes/9"})
    assert quote_url({"quoteUri": "https://f.example/s/1"}) == "https://f.example/s/1"
    assert quote_url({"quoteUrl": "ftp://x"}) is None


def test_a_poll_lists_its_answers():
    question = {"type": "Question", "oneOf": [{"type": "Note", "name": "Mornings"}, {"type": "Note", "name": "Nights"}]}
    assert poll_options(question) == ("Mornings", "Nights")
    assert poll_options({"type": "Question", "anyOf": [{"name": " Walks "}, {"name": ""}]}) == ("Walks",)
    assert poll_options({"type": "Note", "oneOf": [{"name": "x"}]}) == ()
