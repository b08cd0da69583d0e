"""Reading a peer's NodeInfo: the software name that decides whether members circles may reach it."""

from circlefed.protocol.nodeinfo import parse_nodeinfo_links, parse_software

SCHEMA_21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"
SCHEMA_20 = "http://nodeinfo.diaspora.software/ns/schema/2.0"


def test_the_newest_schema_on_the_same_authority_is_chosen():
    index = {"links": [{"rel": SCHEMA_20, "href": "https://peer.example/nodeinfo/2.0"},
                       {"rel": SCHEMA_21, "href": "https://peer.example:443/nodeinfo/2.1"}]}
    assert parse_nodeinfo_links(index, "peer.example") == "https://peer.example:443/nodeinfo/2.1"


def test_a_link_to_another_server_is_not_followed():
    # A server must not borrow another's NodeInfo to pass as circlefed.
    index = {"links": [{"rel": SCHEMA_21, "href": "https://circlefed.example/nodeinfo/2.1"}]}
    assert parse_nodeinfo_links(index, "peer.example") is None
    assert parse_nodeinfo_links({"links": "nope"}, "peer.example") is None
    assert parse_nodeinfo_links([], "peer.example") is None


def test_software_name_is_lowercased_and_capped():
    assert parse_software({"software": {"name": "Mastodon", "version": "4.5.0"}}) == ("mastodon", "4.5.0")
    assert parse_software({"software": {"name": "x" * 100}}) == ("x" * 64, None)
    assert parse_software({"software": {"name": " "}}) is None
    assert parse_software({"software": "circlefed"}) is None
    assert parse_software(None) is None
