"""Web: threads (/t/), replies (/p/) and activities (/a/) at their ids, and a circle's collections (AS2 or HTML);
private messages (/m/) are never served."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain.directory import not_found
from circlefed.domain.read_rule import readable_audiences
from circlefed.federation.confidential import reader_level
from circlefed.federation.serve import collections
from circlefed.federation.serve.documents import object_document
from circlefed.federation.serve.served import is_follower_answer, served_activity, served_circle, served_post
from circlefed.storage.models import Circle, Thread, Visibility
from circlefed.web.actors import VARY, as2_response
from circlefed.web.keys import SITE
from circlefed.web.negotiation import wants_activity_json
from circlefed.web.signed_fetch import viewer_of
from circlefed.web.ui import member_threads

# What a member read must not be kept by caches or shared between requesters (attack 15).
CONFIDENTIAL_HEADERS = {"Cache-Control": "private, no-store", "Vary": "Accept, Signature"}


def _uri(request: web.Request, kind: str) -> str:
    return f"{request.app[SITE].uris.base}/{kind}/{request.match_info['token']}"


async def post(request: web.Request) -> web.StreamResponse:
    """A thread or reply: its Page/Note (a Tombstone with 410 once deleted), or the member pages for browsers."""
    kind = "t" if request.path.startswith("/t/") else "p"
    if not wants_activity_json(request):
        # Browsers: the member pages, with their own who-sees-what rules (a hidden post is a missing one).
        return await member_threads.show_object(request, _uri(request, kind))
    row, circle = await served_post(_uri(request, kind), viewer_of(request))
    response = _for(circle, as2_response(await object_document(request.app[SITE], row)))
    response.set_status(410 if row.deleted_at is not None else 200)
    return response


async def thread_collection(request: web.Request) -> web.StreamResponse:
    row, circle = await served_post(_uri(request, "t"), viewer_of(request))
    if not isinstance(row, Thread):
        raise not_found()
    which = request.match_info["collection"]
    audiences = readable_audiences(circle, await reader_level(circle, viewer_of(request)))
    document = await (
        collections.thread_context(row, audiences) if which == "context" else collections.thread_replies(row, audiences)
    )
    return _for(circle, as2_response(document))


async def activity(request: web.Request) -> web.StreamResponse:
    """An activity sent from here, for peers that dereference ids (browsers go to its object)."""
    row = await served_activity(_uri(request, "a"), viewer_of(request))
    if wants_activity_json(request):
        return _for(await Circle.get(id=row.circle_id), as2_response(row.payload))
    if row.object_uri and row.object_uri.startswith(request.app[SITE].uris.base):
        raise web.HTTPFound(row.object_uri, headers=VARY)
    raise web.HTTPNotAcceptable(text="This is an ActivityPub activity: ask for application/activity+json.")


async def message(request: web.Request) -> web.StreamResponse:
    """SPEC: FEDERATION.md direct messages: a private message's id answers as a missing id does, to everyone, its
    two parties included (they hold it already; a server fetching it could not prove whom it fetches for)."""
    raise not_found()


async def circle_collection(request: web.Request) -> web.StreamResponse:
    which = request.match_info["collection"]
    if which == "followers" and "is_follower" in request.query:
        # SPEC: PROTOCOL.md confidential circles (Lemmy 1.0 private communities): membership of one actor,
        # answered only to a signed peer about its own instance's actor; 404 like a missing circle otherwise.
        slug, queried = request.match_info["slug"], request.query["is_follower"]
        response = as2_response(await is_follower_answer(slug, queried, viewer_of(request)))
        response.headers.update(CONFIDENTIAL_HEADERS)
        return response
    circle, audiences = await served_circle(request.match_info["slug"], viewer_of(request))
    if which == "outbox":
        document = await collections.outbox(circle, audiences)
    elif which == "followers":
        document = await collections.followers(circle)
    elif which == "moderators":
        document = await collections.moderators(request.app[SITE], circle)
    else:
        document = await collections.featured(request.app[SITE], circle, audiences)
    return _for(circle, as2_response(document))


def _for(circle: Circle, response: web.Response) -> web.Response:
    """Confidential circles' documents are private to the requester: never cached, varied by signature."""
    if circle.visibility is not Visibility.PUBLIC:
        response.headers.update(CONFIDENTIAL_HEADERS)
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/t/{token}", post, name="thread")
    app.router.add_get("/t/{token}/{collection:context|replies}", thread_collection, name="thread_collection")
    app.router.add_get("/p/{token}", post, name="reply")
    app.router.add_get("/a/{token}", activity, name="activity")
    app.router.add_get("/m/{token}", message, name="message")
    app.router.add_get(
        "/c/{slug}/{collection:outbox|followers|moderators|featured}", circle_collection, name="circle_collection"
    )
