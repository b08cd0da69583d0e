"""Protocol: NodeInfo 2.1 documents and the /.well-known/nodeinfo index (with the FEP-2677 instance actor link)."""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_21_REL = "http://nodeinfo.diaspora.software/ns/schema/2.1"
NODEINFO_21_CONTENT_TYPE = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
# FEP-2677: the link relation that names the instance's Application actor.
APPLICATION_ACTOR_REL = "https://www.w3.org/ns/activitystreams#Application"
SOFTWARE_NAME = "circlefed"
NODEINFO_21_PATH = "/nodeinfo/2.1"


@dataclass(frozen=True)
class NodeUsage:
    """Counts a NodeInfo document publishes; the caller guarantees they exclude confidential circles."""

    users_total: int
    active_month: int
    active_halfyear: int
    local_posts: int


@dataclass(frozen=True)
class SoftwareInfo:
    version: str
    repository: str | None = None
    homepage: str | None = None


def render_nodeinfo_links(base_url: str) -> dict:
    base = base_url.rstrip("/")
    return {
        "links": [
            {"rel": SCHEMA_21_REL, "href": f"{base}{NODEINFO_21_PATH}"},
            # SPEC: FEP-2677 (the instance actor, fetchable without a signature)
            {"rel": APPLICATION_ACTOR_REL, "href": f"{base}/actor"},
        ]
    }


def render_nodeinfo(
    software: SoftwareInfo,
    usage: NodeUsage,
    *,
    node_name: str,
    node_description: str,
    open_registrations: bool = False,
) -> dict:
    """A NodeInfo 2.1 document. Lemmy and PieFed read software.name to decide what a peer can be trusted with."""
    return {
        "version": "2.1",
        "software": _software(software),
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": {
            "users": {
                "total": usage.users_total,
                "activeMonth": usage.active_month,
                "activeHalfyear": usage.active_halfyear,
            },
            "localPosts": usage.local_posts,
        },
        "metadata": {"nodeName": node_name, "nodeDescription": node_description},
    }


def _software(software: SoftwareInfo) -> dict:
    document = {"name": SOFTWARE_NAME, "version": software.version}
    # The 2.1 schema makes both optional URLs; an empty string would fail strict validators.
    if software.repository:
        document["repository"] = software.repository
    if software.homepage:
        document["homepage"] = software.homepage
    return document
