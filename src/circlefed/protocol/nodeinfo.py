"""Protocol: NodeInfo 2.1 and 2.0 documents and the /.well-known/nodeinfo index (with the FEP-2677 instance actor
link). 2.0 is there for clients that fetch /nodeinfo/2.0 without reading the index (Elk does)."""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_21_REL = "http://nodeinfo.diaspora.software/ns/schema/2.1"
NODEINFO_21_CONTENT_TYPE = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
# FEP-2677: the link relation that names the instance's Application actor.
APPLICATION_ACTOR_REL = "https://www.w3.org/ns/activitystreams#Application"
SOFTWARE_NAME = "circlefed"
NODEINFO_21_PATH = "/nodeinfo/2.1"
SCHEMA_20_REL = "http://nodeinfo.diaspora.software/ns/schema/2.0"
NODEINFO_20_CONTENT_TYPE = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"'
NODEINFO_20_PATH = "/nodeinfo/2.0"


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
            {"rel": SCHEMA_20_REL, "href": f"{base}{NODEINFO_20_PATH}"},
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
    version: str = "2.1",
) -> dict:
    """A NodeInfo document (2.1, or 2.0, whose software names only name and version). Lemmy and PieFed read
    software.name to decide what a peer can be trusted with."""
    return {
        "version": version,
        "software": _software(software) if version == "2.1" else {"name": SOFTWARE_NAME, "version": software.version},
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


# Schemas whose documents carry software.name (2.0 and 2.1 alike); newest first.
READABLE_SCHEMAS = (SCHEMA_21_REL, SCHEMA_20_REL)
MAX_SOFTWARE_CHARS = 64


def parse_nodeinfo_links(document: object, authority: str) -> str | None:
    """The href of the newest NodeInfo document a /.well-known/nodeinfo index lists on the same authority
    (a link elsewhere could make a server claim another's software); None when there is none."""
    if not isinstance(document, dict) or not isinstance(document.get("links"), list):
        return None
    hrefs = {link.get("rel"): link.get("href") for link in document["links"] if isinstance(link, dict)}
    for rel in READABLE_SCHEMAS:
        href = hrefs.get(rel)
        if isinstance(href, str) and _authority_of(href) == authority.lower():
            return href
    return None


def parse_software(document: object) -> tuple[str, str | None] | None:
    """(software name lowercased, version) from a NodeInfo 2.x document; None when it names none."""
    software = document.get("software") if isinstance(document, dict) else None
    if not isinstance(software, dict) or not isinstance(software.get("name"), str):
        return None
    name = software["name"].strip().lower()[:MAX_SOFTWARE_CHARS]
    version = software.get("version")
    return (name, version[:MAX_SOFTWARE_CHARS] if isinstance(version, str) else None) if name else None


def _authority_of(url: str) -> str | None:
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    host = rest.split("/", 1)[0].split("?", 1)[0].lower()
    default = ":443" if scheme.lower() == "https" else ":80"
    return host[: -len(default)] if host.endswith(default) else host
