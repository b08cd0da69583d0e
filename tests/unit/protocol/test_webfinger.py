"""Tests: protocol.webfinger: resource parsing (RFC 7033/7565), JRD and host-meta rendering, reading a peer's JRD."""

from xml.etree import ElementTree

import pytest

from circlefed.errors import BadRequest
from circlefed.protocol.webfinger import (
    ParsedResource,
    filter_links,
    normalise_authority,
    parse_jrd_self_link,
    parse_resource,
    render_host_meta,
    render_jrd,
)


def test_acct_resource_gives_name_and_lowercased_host():
    # SPEC: RFC 7565 (acct URI: userpart@host)
    assert parse_resource("acct:grief@Clinic.Example") == ParsedResource(
        scheme="acct", host="clinic.example", name="grief"
    )


def test_acct_resource_keeps_the_port_in_the_host():
    assert parse_resource("acct:grief@127.0.0.1:8443").host == "127.0.0.1:8443"


def test_scheme_is_case_insensitive_and_the_userpart_is_percent_decoded():
    parsed = parse_resource("ACCT:gr%69ef@clinic.example")
    assert parsed.is_acct and parsed.name == "grief"


def test_url_resource_gives_host_and_path():
    parsed = parse_resource("https://Clinic.Example:8443/c/grief")
    assert parsed.is_url and parsed.host == "clinic.example:8443" and parsed.path == "/c/grief"


def test_url_resource_with_query_or_fragment_keeps_them_so_it_never_matches_an_actor_path():
    assert parse_resource("https://clinic.example/u/alice#main-key").path == "/u/alice#main-key"
    assert parse_resource("https://clinic.example/u/alice?x=1").path == "/u/alice?x=1"


def test_other_uri_schemes_are_well_formed_but_carry_no_host():
    # A valid URI we know nothing about is a 404 for the caller, not a 400.
    assert parse_resource("mailto:alice@clinic.example") == ParsedResource(scheme="mailto")


@pytest.mark.parametrize(
    "resource",
    [
        "",
        "foo",
        "acct:",
        "acct:@clinic.example",
        "acct:alice@",
        "acct:alice",
        "acct:a@b@clinic.example",
        "@alice@clinic.example",
        "alice@clinic.example",
        "http://[bad",
        "https://",
        "https://user@clinic.example/u/alice",
        "acct:al ice@clinic.example",
        "acct:alice@clinic.example ",
        " acct:alice@clinic.example",
        "acct:alice@clinic\texample",
        "acct:alice@clinic.example:",
        "acct:alice@clinic.example:70000",
        "acct:alice@clinic..example",
        "acct:alice@[::1",
        "1acct:alice@clinic.example",
        "acct:" + "a" * 3000 + "@clinic.example",
    ],
)
def test_malformed_resources_are_bad_requests(resource):
    # SPEC: RFC 7033 4.2 (a malformed resource is answered 400)
    with pytest.raises(BadRequest):
        parse_resource(resource)


@pytest.mark.parametrize(
    ("authority", "expected"),
    [
        ("Clinic.Example", "clinic.example"),
        ("clinic.example.", "clinic.example"),
        ("CLINIC.example:8443", "clinic.example:8443"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("[::1]:8080", "[::1]:8080"),
    ],
)
def test_authorities_are_normalised_so_spellings_of_one_host_compare_equal(authority, expected):
    # SPEC: PROTOCOL.md attack 7 (case, trailing dot, IDN, port)
    assert normalise_authority(authority) == expected


def test_jrd_links_self_as_activity_json_and_the_profile_page_as_html():
    jrd = render_jrd(
        "acct:grief@clinic.example",
        "https://clinic.example/c/grief",
        "https://clinic.example/c/grief",
        ["https://clinic.example/c/grief"],
        actor_type="Group",
    )
    assert jrd["subject"] == "acct:grief@clinic.example"
    assert jrd["aliases"] == ["https://clinic.example/c/grief"]
    self_link, profile = jrd["links"]
    assert self_link["rel"] == "self" and self_link["type"] == "application/activity+json"
    assert self_link["href"] == "https://clinic.example/c/grief"
    # Lemmy's convention: the self link says which actor type it points to.
    assert self_link["properties"] == {"https://www.w3.org/ns/activitystreams#type": "Group"}
    assert profile == {
        "rel": "http://webfinger.net/rel/profile-page",
        "type": "text/html",
        "href": "https://clinic.example/c/grief",
    }


def test_server_actor_jrd_adds_the_service_link():
    # SPEC: FEP-d556 (rel https://www.w3.org/ns/activitystreams#Service names the server-level actor)
    jrd = render_jrd("https://clinic.example/", "https://clinic.example/actor", None, server_actor=True)
    rels = [link["rel"] for link in jrd["links"]]
    assert rels == ["self", "https://www.w3.org/ns/activitystreams#Service"]
    assert all(link["href"] == "https://clinic.example/actor" for link in jrd["links"])


def test_rel_parameter_filters_the_links():
    # SPEC: RFC 7033 4.3
    jrd = render_jrd("acct:a@h", "https://h/u/a", "https://h/u/a")
    assert [link["rel"] for link in filter_links(jrd, ["self"])["links"]] == ["self"]
    assert filter_links(jrd, []) == jrd


def lrdd_link(xrd: str) -> ElementTree.Element | None:
    document = ElementTree.fromstring(xrd)  # noqa: S314 - our own rendered output, not untrusted input
    return document.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")


def test_host_meta_is_an_xrd_with_an_lrdd_template():
    # SPEC: RFC 6415 (host-meta) pointing at RFC 7033
    link = lrdd_link(render_host_meta("https://clinic.example/"))
    assert link is not None and link.get("rel") == "lrdd"
    assert link.get("template") == "https://clinic.example/.well-known/webfinger?resource={uri}"


def test_host_meta_escapes_the_base_url():
    link = lrdd_link(render_host_meta('https://clinic.example/"x&<'))
    assert link.get("template").startswith('https://clinic.example/"x&<')


def test_peer_jrd_self_link_is_the_one_typed_as_as2():
    jrd = {
        "subject": "acct:bob@peer.example",
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": "https://peer.example/@bob"},
            {"rel": "self", "type": "text/html", "href": "https://peer.example/wrong"},
            {
                "rel": "self",
                "type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                "href": "https://peer.example/users/bob",
            },
            {"rel": "self", "type": "application/activity+json", "href": "https://peer.example/later"},
        ],
    }
    assert parse_jrd_self_link(jrd) == "https://peer.example/users/bob"


@pytest.mark.parametrize(
    "jrd",
    [
        None,
        [],
        {},
        {"links": "self"},
        {"links": [None, 3, "x"]},
        {"links": [{"rel": "self", "href": "https://peer.example/untyped"}]},
        {"links": [{"rel": "self", "type": "application/activity+json"}]},
        {"links": [{"rel": "self", "type": "application/activity+json", "href": ["https://a", "https://b"]}]},
        {"links": [{"rel": "alternate", "type": "application/activity+json", "href": "https://peer.example/x"}]},
    ],
)
def test_peer_jrd_without_a_usable_as2_self_link_gives_none(jrd):
    assert parse_jrd_self_link(jrd) is None
