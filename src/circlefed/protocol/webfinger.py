"""Protocol: WebFinger (RFC 7033): parsing resource URIs, rendering JRD and host-meta, reading a peer's JRD."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import quoteattr

from circlefed.errors import BadRequest
from circlefed.protocol.vocab import AS2_CONTENT_TYPE, is_as2_content_type

JRD_CONTENT_TYPE = "application/jrd+json"
XRD_CONTENT_TYPE = "application/xrd+xml"
PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"
# FEP-d556: the link relation that names a server-level actor.
SERVICE_REL = "https://www.w3.org/ns/activitystreams#Service"
AS_TYPE_PROPERTY = "https://www.w3.org/ns/activitystreams#type"

MAX_RESOURCE_LENGTH = 2048
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*$")
_PORT_RE = re.compile(r"^[0-9]{1,5}$")


@dataclass(frozen=True)
class ParsedResource:
    """A WebFinger `resource`: `acct:` (name + host) or an http(s) URL (host + path) or another URI scheme."""

    scheme: str
    host: str | None = None
    name: str | None = None
    path: str = ""

    @property
    def is_acct(self) -> bool:
        return self.scheme == "acct"

    @property
    def is_url(self) -> bool:
        return self.scheme in ("http", "https")


def parse_resource(resource: str) -> ParsedResource:
    """Parse and normalise a resource; BadRequest for anything that is not a well-formed URI (RFC 7033 4.2)."""
    if not resource or len(resource) > MAX_RESOURCE_LENGTH:
        raise BadRequest("the resource parameter must be a URI such as acct:name@domain")
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in resource):
        raise BadRequest("the resource must not contain spaces or control characters")
    scheme, colon, rest = resource.partition(":")
    if not colon or not rest or not _SCHEME_RE.match(scheme):
        raise BadRequest("the resource must be a URI with a scheme, such as acct:name@domain")
    scheme = scheme.lower()
    if scheme == "acct":
        return _parse_acct(rest)
    if scheme in ("http", "https"):
        return _parse_url(resource, scheme)
    return ParsedResource(scheme=scheme)


def _parse_acct(rest: str) -> ParsedResource:
    # RFC 7565: acct:userpart@host; a literal @ inside the userpart would be percent-encoded.
    if rest.count("@") != 1:
        raise BadRequest("an acct: resource must be acct:name@domain with exactly one @")
    name, _, host = rest.partition("@")
    name = unquote(name)
    if not name or not host:
        raise BadRequest("an acct: resource needs both a name and a domain")
    if any(char.isspace() or char in "@/?#" for char in name):
        raise BadRequest("the name of an acct: resource contains characters that are not allowed")
    return ParsedResource(scheme="acct", host=normalise_authority(host), name=name)


def _parse_url(resource: str, scheme: str) -> ParsedResource:
    try:
        parts = urlsplit(resource)
    except ValueError:
        raise BadRequest("the resource is not a well-formed URL") from None
    if not parts.netloc or "@" in parts.netloc:
        raise BadRequest("a URL resource needs a host and must not carry user information")
    # Everything after the authority, query and fragment included: our actor ids have neither, so such a
    # URL is well-formed (no 400) but never matches a local actor (404).
    rest = resource[len(parts.scheme) + 3 + len(parts.netloc) :]
    return ParsedResource(scheme=scheme, host=normalise_authority(parts.netloc), path=rest)


def normalise_authority(authority: str) -> str:
    """host[:port] lowercased, IDNA-encoded, without a trailing dot; BadRequest when it is not a host."""
    host, port = _split_port(authority)
    if host.startswith("["):
        if not re.fullmatch(r"\[[0-9a-fA-F:.]+\]", host):
            raise BadRequest("the resource's domain is not a valid IPv6 literal")
        host = host.lower()
    else:
        host = _normalise_host_name(host)
    return f"{host}:{port}" if port else host


def _normalise_host_name(host: str) -> str:
    # SPEC: PROTOCOL.md attack 7 (case, trailing dot and IDN spellings of one host compare equal)
    if host.endswith("."):
        host = host[:-1]
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise BadRequest("the resource's domain is not a valid host name") from None
    if not re.fullmatch(r"[a-z0-9.-]+", host) or not all(host.split(".")):
        raise BadRequest("the resource's domain is not a valid host name")
    return host


def _split_port(authority: str) -> tuple[str, str]:
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise BadRequest("the resource's domain is not a valid IPv6 literal")
        host, after = authority[: end + 1], authority[end + 1 :]
        if after and not after.startswith(":"):
            raise BadRequest("the resource's domain is malformed")
        port = after[1:] if after else None
    elif ":" in authority:
        host, _, port = authority.rpartition(":")
    else:
        host, port = authority, None
    if port is not None and not (_PORT_RE.match(port) and 0 < int(port) < 65536):
        raise BadRequest("the resource's port is not a number between 1 and 65535")
    return host, port or ""


def render_jrd(
    subject: str,
    actor_uri: str,
    profile_url: str | None,
    aliases: list[str] | tuple[str, ...] = (),
    *,
    actor_type: str | None = None,
    server_actor: bool = False,
) -> dict:
    """The JRD for one local actor: an AS2 `self` link (+ FEP-d556 Service link) and its HTML profile page."""
    self_link: dict = {"rel": "self", "type": AS2_CONTENT_TYPE, "href": actor_uri}
    if actor_type:
        # Lemmy tags the self link with the actor type so clients can tell a community from a user.
        self_link["properties"] = {AS_TYPE_PROPERTY: actor_type}
    links = [self_link]
    if server_actor:
        links.append({"rel": SERVICE_REL, "type": AS2_CONTENT_TYPE, "href": actor_uri})
    if profile_url:
        links.append({"rel": PROFILE_PAGE_REL, "type": "text/html", "href": profile_url})
    return {"subject": subject, "aliases": list(aliases), "links": links}


def filter_links(jrd: dict, rels: list[str]) -> dict:
    """RFC 7033 4.3: keep only links whose rel was asked for (all links when none was)."""
    if not rels:
        return jrd
    return {**jrd, "links": [link for link in jrd["links"] if link.get("rel") in rels]}


def render_host_meta(base_url: str) -> str:
    """RFC 6415 host-meta (XRD) pointing at WebFinger; older OStatus-era clients still start here."""
    template = f"{base_url.rstrip('/')}/.well-known/webfinger?resource={{uri}}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="{JRD_CONTENT_TYPE}" template={quoteattr(template)}/>\n'
        "</XRD>\n"
    )


def parse_jrd_self_link(jrd: object) -> str | None:
    """The href of the first `self` link typed as AS2 in a peer's JRD, or None (the caller checks its origin)."""
    if not isinstance(jrd, dict) or not isinstance(jrd.get("links"), list):
        return None
    for link in jrd["links"]:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        href = link.get("href")
        if isinstance(href, str) and href and is_as2_content_type(_as_str(link.get("type"))):
            return href
    return None


def _as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None
