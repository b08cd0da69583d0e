"""Web: discovery endpoints: WebFinger, host-meta and NodeInfo (index and the 2.1 and 2.0 documents)."""

from __future__ import annotations

import json

from aiohttp import web

from circlefed import __version__
from circlefed.domain.directory import find_webfinger_target
from circlefed.domain.instance_identity import instance_identity
from circlefed.domain.registration import registration_mode
from circlefed.errors import BadRequest, NotFound
from circlefed.protocol.nodeinfo import (
    NODEINFO_20_CONTENT_TYPE,
    NODEINFO_20_PATH,
    NODEINFO_21_CONTENT_TYPE,
    NODEINFO_21_PATH,
    SoftwareInfo,
    render_nodeinfo,
    render_nodeinfo_links,
)
from circlefed.protocol.webfinger import (
    JRD_CONTENT_TYPE,
    XRD_CONTENT_TYPE,
    filter_links,
    parse_resource,
    render_host_meta,
    render_jrd,
)
from circlefed.storage.models import RegistrationMode
from circlefed.storage.stats import nodeinfo_usage
from circlefed.web.keys import CLOCK, SETTINGS, SITE
from circlefed.web.middleware import error_response

# RFC 7033 5: browser-based clients must be able to read every WebFinger answer, errors included.
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}


async def webfinger(request: web.Request) -> web.StreamResponse:
    try:
        jrd = await _webfinger_jrd(request)
    except (BadRequest, NotFound) as exc:
        response = error_response(request, exc.status, exc.message)
        response.headers.update(CORS_HEADERS)
        return response
    return _json(jrd, JRD_CONTENT_TYPE, CORS_HEADERS)


async def _webfinger_jrd(request: web.Request) -> dict:
    # SPEC: RFC 7033 4.2 (resource is required; 400 when missing or malformed, 404 when unknown)
    resource = parse_resource(request.query.get("resource", ""))
    site = request.app[SITE]
    target = await find_webfinger_target(site, resource)
    jrd = render_jrd(
        target.subject,
        target.actor_uri,
        target.profile_url,
        aliases=[target.actor_uri],
        actor_type=target.actor_type,
        server_actor=target.is_server_actor,
    )
    return filter_links(jrd, request.query.getall("rel", []))


async def host_meta(request: web.Request) -> web.Response:
    body = render_host_meta(request.app[SETTINGS].instance.base_url)
    return web.Response(text=body, content_type=XRD_CONTENT_TYPE, headers=CORS_HEADERS)


async def nodeinfo_links(request: web.Request) -> web.Response:
    return _json(render_nodeinfo_links(request.app[SETTINGS].instance.base_url), "application/json", CORS_HEADERS)


async def nodeinfo(request: web.Request) -> web.Response:
    """/nodeinfo/2.1, or /nodeinfo/2.0 (the same counts, in the older schema)."""
    version = "2.0" if request.path == NODEINFO_20_PATH else "2.1"
    instance = request.app[SETTINGS].instance
    usage = await nodeinfo_usage(request.app[CLOCK].now())
    name, description = await instance_identity(instance.name, instance.description)
    # As Mastodon reports it: open unless registering needs an invitation or is closed.
    open_registrations = await registration_mode() in (RegistrationMode.OPEN, RegistrationMode.APPROVAL)
    document = render_nodeinfo(
        SoftwareInfo(version=__version__), usage, node_name=name, node_description=description,
        open_registrations=open_registrations, version=version,
    )
    content_type = NODEINFO_20_CONTENT_TYPE if version == "2.0" else NODEINFO_21_CONTENT_TYPE
    return _json(document, content_type, CORS_HEADERS)


def _json(document: dict, content_type: str, headers: dict[str, str]) -> web.Response:
    # Set as a raw header: aiohttp's content_type argument cannot carry a profile parameter.
    body = json.dumps(document).encode("ascii")  # ASCII-only JSON: no charset question for any client
    return web.Response(body=body, headers={"Content-Type": content_type, **headers})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/.well-known/webfinger", webfinger, name="webfinger")
    app.router.add_get("/.well-known/host-meta", host_meta, name="host_meta")
    app.router.add_get("/.well-known/nodeinfo", nodeinfo_links, name="nodeinfo_links")
    app.router.add_get(NODEINFO_21_PATH, nodeinfo, name="nodeinfo")
    app.router.add_get(NODEINFO_20_PATH, nodeinfo, name="nodeinfo_20")
