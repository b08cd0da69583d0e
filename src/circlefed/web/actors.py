"""Web: actor URLs (/actor, /u/{name}, /c/{slug}) serving AS2 JSON to servers and HTML to browsers."""

from __future__ import annotations

import json

import aiohttp_jinja2
from aiohttp import web

from circlefed.domain.directory import get_circle, get_instance_actor, get_person
from circlefed.protocol.actors import ActorBasics, render_application, render_group, render_person
from circlefed.protocol.vocab import AS2_RESPONSE_CONTENT_TYPE
from circlefed.web.keys import SITE
from circlefed.web.negotiation import wants_activity_json
from circlefed.web.ui import member_circle_page

# One URL, two representations: caches must key on Accept.
VARY = {"Vary": "Accept"}


async def instance_actor(request: web.Request) -> web.StreamResponse:
    card = await get_instance_actor(request.app[SITE])
    if wants_activity_json(request):
        return as2_response(render_application(card))
    # The instance actor has no page of its own; browsers land on the instance's home page (as on Mastodon).
    raise web.HTTPFound("/", headers=VARY)


async def person(request: web.Request) -> web.StreamResponse:
    site = request.app[SITE]
    card = await get_person(site, request.match_info["name"])
    if wants_activity_json(request):
        return as2_response(render_person(card))
    context = {"person": card.basics, "summary_html": card.summary_html, "handle": _handle(request, card.basics)}
    return _page("person.html", request, context)


async def circle(request: web.Request) -> web.StreamResponse:
    if wants_activity_json(request):
        served = await get_circle(request.app[SITE], request.match_info["slug"])
        return as2_response(render_group(served.card))
    # Browsers: the member page, whose own who-sees-what rules hide a circle exactly like a missing one.
    response = await member_circle_page.show(request)
    response.headers.update(VARY)
    return response


def as2_response(document: dict) -> web.Response:
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return web.Response(body=body, headers={"Content-Type": AS2_RESPONSE_CONTENT_TYPE, **VARY})


def _page(template: str, request: web.Request, context: dict) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, context)
    response.headers.update(VARY)
    return response


def _handle(request: web.Request, basics: ActorBasics) -> str:
    return f"@{basics.preferred_username}@{request.app[SITE].domain}"


def add_routes(app: web.Application) -> None:
    app.router.add_get("/actor", instance_actor, name="instance_actor")
    app.router.add_get("/u/{name}", person, name="person")
    app.router.add_get("/c/{slug}", circle, name="circle")
