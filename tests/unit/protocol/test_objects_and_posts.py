"""Rendering threads, replies and their activities, and parsing remote posts (pure protocol code)."""

from datetime import UTC, datetime

import pytest

from circlefed.errors import BadRequest
from circlefed.protocol.objects import (
    Audience,
    PostDocument,
    render_announce,
    render_create,
    render_post,
    render_tombstone,
)
from circlefed.protocol.posts import parse_post
from circlefed.protocol.vocab import PUBLIC, undefined_terms

CIRCLE = "https://clinic.example/c/grief"
AUDIENCE = Audience(CIRCLE, f"{CIRCLE}/followers", "@grief@clinic.example")
WHEN = datetime(2025, 3, 2, 19, 4, 11, tzinfo=UTC)


def page(**fields) -> PostDocument:
    values = {
        "uri": "https://clinic.example/t/abc",
        "author_uri": "https://clinic.example/u/fran",
        "audience": AUDIENCE,
        "content_html": "<p>Hi</p>",
        "source": "Hi",
        "published": WHEN,
        "context_uri": "https://clinic.example/t/abc/context",
        "title": "Welcome",
        **fields,
    }
    return PostDocument(**values)


def test_a_page_is_addressed_to_the_circle_and_public():
    # SPEC: PROTOCOL.md content (to [circle, Public], cc [], audience, context, published, Mention)
    document = render_post(page())
    assert document["type"] == "Page" and document["name"] == "Welcome"
    assert (document["to"], document["cc"], document["audience"]) == ([CIRCLE, PUBLIC], [], CIRCLE)
    assert document["published"] == "2025-03-02T19:04:11Z"
    assert document["tag"] == [{"type": "Mention", "href": CIRCLE, "name": "@grief@clinic.example"}]
    assert "sensitive" not in document and "summary" not in document
    assert undefined_terms(document) == set()


def test_a_members_circle_is_addressed_to_its_followers_never_public():
    # SPEC: PROTOCOL.md confidential circles (to [circle, circle/followers], no Public)
    private = Audience(CIRCLE, f"{CIRCLE}/followers", "@grief@clinic.example", is_public=False)
    document = render_post(page(audience=private))
    assert document["to"] == [CIRCLE, f"{CIRCLE}/followers"] and PUBLIC not in str(document)


def test_a_reply_is_a_note_with_in_reply_to_and_a_warning_in_summary():
    document = render_post(page(title=None, in_reply_to="https://clinic.example/t/abc", content_warning="loss"))
    assert document["type"] == "Note" and document["inReplyTo"] == "https://clinic.example/t/abc"
    assert document["summary"] == "loss" and "name" not in document


def test_create_copies_to_and_cc_from_its_object():
    # SPEC: PROTOCOL.md content (Create/Update carry their own to and cc; Lemmy requires both)
    create = render_create("https://clinic.example/a/1", "https://clinic.example/u/fran", render_post(page()), WHEN)
    assert create["to"] == [CIRCLE, PUBLIC] and create["cc"] == [] and create["audience"] == CIRCLE
    assert "@context" not in create["object"] and undefined_terms(create) == set()


def test_an_announce_carries_the_activity_exactly_as_received():
    # SPEC: fep-1b12 announce (the wrapped activity preserved without changing or removing any property)
    received = {"@context": ["https://join-lemmy.org/context.json"], "id": "https://l.example/a/1", "type": "Like",
                "actor": "https://l.example/u/x", "object": "https://clinic.example/t/abc", "odd": {"kept": True}}
    announce = render_announce("https://clinic.example/a/2", AUDIENCE, received, WHEN)
    assert announce["object"] is received and announce["actor"] == CIRCLE
    assert announce["to"] == [CIRCLE, PUBLIC] and announce["cc"] == [f"{CIRCLE}/followers"]


def test_a_tombstone_names_its_former_type():
    tombstone = render_tombstone("https://clinic.example/p/x", "Note", WHEN)
    assert (tombstone["type"], tombstone["formerType"], tombstone["deleted"]) == ("Tombstone", "Note",
                                                                               "2025-03-02T19:04:11Z")


def test_parse_post_reads_lemmy_mastodon_and_nodebb_shapes():
    lemmy = parse_post({
        "type": "Page", "id": "https://l.example/post/1", "name": "T",
        "attributedTo": ["https://l.example/u/a", {"type": "Group", "id": "https://l.example/c/g"}],
        "content": "<p>x</p>", "attachment": [{"type": "Link", "href": "https://news.example/a"}],
        "to": ["https://l.example/c/g", "as:Public"], "published": "2025-03-02T19:04:11.123456Z",
    })
    assert lemmy.author_uri == "https://l.example/u/a" and lemmy.is_public
    assert lemmy.content_html.endswith('<a href="https://news.example/a">https://news.example/a</a></p>')
    assert lemmy.published == datetime(2025, 3, 2, 19, 4, 11, 123456, tzinfo=UTC)
    mastodon = parse_post({
        "type": "Note", "id": "https://m.example/s/1", "attributedTo": "https://m.example/u/b",
        "contentMap": {"en": "<p>y</p>"}, "tag": [{"type": "Mention", "href": CIRCLE}], "cc": [CIRCLE],
    })
    assert mastodon.content_html == "<p>y</p>" and mastodon.mentions == (CIRCLE,) and not mastodon.is_public
    assert CIRCLE in mastodon.addressed


@pytest.mark.parametrize(
    "document",
    [
        {"type": "Video", "id": "https://x.example/1", "attributedTo": "https://x.example/u"},
        {"type": "Note", "attributedTo": "https://x.example/u"},
        {"type": "Note", "id": "https://x.example/1"},
        {"type": "Note", "id": "https://x.example/1", "attributedTo": ["https://x.example/u", "https://x.example/v"]},
        "https://x.example/1",
    ],
)
def test_parse_post_refuses_what_it_cannot_attribute(document):
    with pytest.raises(BadRequest):
        parse_post(document)
