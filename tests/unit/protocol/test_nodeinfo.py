"""Tests: protocol.nodeinfo: the /.well-known/nodeinfo index and the NodeInfo 2.1 document."""

import re

from circlefed.protocol.nodeinfo import NodeUsage, SoftwareInfo, render_nodeinfo, render_nodeinfo_links

USAGE = NodeUsage(users_total=7, active_month=2, active_halfyear=5, local_posts=40)


def render(**software) -> dict:
    return render_nodeinfo(
        SoftwareInfo(version="0.1.0", **software), USAGE, node_name="Clinic", node_description="Peer support."
    )


def test_index_links_the_21_schema_document():
    # SPEC: NodeInfo protocol (discovery through /.well-known/nodeinfo)
    links = render_nodeinfo_links("https://clinic.example/")["links"]
    assert {
        "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
        "href": "https://clinic.example/nodeinfo/2.1",
    } in (links)


def test_index_links_the_instance_actor():
    # SPEC: FEP-2677
    links = render_nodeinfo_links("https://clinic.example")["links"]
    assert {"rel": "https://www.w3.org/ns/activitystreams#Application", "href": "https://clinic.example/actor"} in (
        links
    )


def test_document_has_the_required_21_fields():
    # SPEC: NodeInfo 2.1 schema (version, software, protocols, services, openRegistrations, usage, metadata)
    document = render()
    assert document["version"] == "2.1"
    assert document["software"] == {"name": "circlefed", "version": "0.1.0"}
    assert re.fullmatch(r"[a-z0-9-]+", document["software"]["name"])
    assert document["protocols"] == ["activitypub"]
    assert document["services"] == {"inbound": [], "outbound": []}
    assert document["openRegistrations"] is False
    assert document["metadata"] == {"nodeName": "Clinic", "nodeDescription": "Peer support."}


def test_usage_is_published_as_given():
    usage = render()["usage"]
    assert usage == {"users": {"total": 7, "activeMonth": 2, "activeHalfyear": 5}, "localPosts": 40}


def test_repository_and_homepage_appear_only_when_known():
    document = render(repository="https://code.example/circlefed", homepage="https://circlefed.example")
    assert document["software"]["repository"] == "https://code.example/circlefed"
    assert document["software"]["homepage"] == "https://circlefed.example"
    assert "repository" not in render()["software"]
