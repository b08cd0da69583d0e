"""Web: ActivityPub client to server (section 6): an app posts activities to its member's outbox with a Bearer
token and gets 201 Created with the new activity's id in Location; what each activity does is c2s_actions.py's,
through the services the pages use. The member's outbox and inbox are read in c2s_collections.py."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from circlefed.domain.directory import not_found
from circlefed.domain.oauth_scopes import covers_any
from circlefed.errors import BadRequest
from circlefed.protocol import c2s
from circlefed.protocol.parse import load_json_document
from circlefed.protocol.vocab import AS2_RESPONSE_CONTENT_TYPE, with_context
from circlefed.web import c2s_collections
from circlefed.web.api.auth import NO_STORE, OUTSIDE_SCOPES, TOKEN, bearer_required, mastodon_error
from circlefed.web.api.statuses import hold_message, refused_as_mastodon
from circlefed.web.c2s_actions import Acting, Done, perform, resolved
from circlefed.web.c2s_member import Owner, owner_of
from circlefed.web.inbox import read_body
from circlefed.web.keys import CLOCK, SITE

log = logging.getLogger(__name__)
WRITE_SCOPES = (c2s.WRITE_STATUSES, c2s.WRITE_FOLLOWS, c2s.WRITE_FAVOURITES, c2s.WRITE_REPORTS)
JSON_TYPES = frozenset({"application/activity+json", "application/ld+json", "application/json"})
NOT_JSON = (
    'Post an ActivityStreams document: Content-Type application/ld+json; profile="https://www.w3.org/ns/'
    'activitystreams" (or application/activity+json)'
)


@bearer_required(*WRITE_SCOPES)
@refused_as_mastodon
async def post_outbox(request: web.Request) -> web.StreamResponse:
    owner = await owner_of(request, posting=True)
    if owner is None:
        raise not_found()
    if request.content_type not in JSON_TYPES:
        log.info("c2s: token %d posted %s to an outbox", request[TOKEN].id, request.content_type)
        return mastodon_error(NOT_JSON, 415)
    try:
        document = load_json_document(await read_body(request))
    except BadRequest as exc:
        log.info("c2s: token %d posted a body that is not a JSON object: %s", request[TOKEN].id, exc.message)
        return mastodon_error(f"The body is not an ActivityStreams JSON object: {exc.message}", 400)
    acting = Acting(request.app[SITE], owner, request.app[CLOCK].now())
    activity = await resolved(acting, c2s.parse_c2s(document, actor_uri=owner.actor.uri))
    if not covers_any(tuple(request[TOKEN].scopes.split()), (activity.scope,)):
        log.info("c2s: token %d refused %s: needs %s", request[TOKEN].id, type(activity).__name__, activity.scope)
        return mastodon_error(OUTSIDE_SCOPES, 403)
    done = await perform(acting, activity)
    return await _created(request, owner, done)


async def _created(request: web.Request, owner: Owner, done: Done) -> web.Response:
    """201 with what the server made: the activity as it was sent (its id in Location); when nothing left this
    instance (a post held for review, joining a circle hosted here), the activity with the ids it has, and a new
    post's own id in Location."""
    if done.activity is not None:
        document, location = dict(done.activity.payload), done.activity.uri
    else:
        target = {"id": done.object_id, "type": done.object_type} if done.object_type else done.object_id
        document = with_context({"type": done.kind, "actor": owner.actor.uri, "object": target})
        if done.activity_id:
            document["id"] = done.activity_id
        location = done.activity_id or (done.object_id if done.kind == "Create" else None)
    hold = await hold_message(request, done.screening, edit=done.edit)
    if hold:
        document["circlefedHold"] = hold  # as the client API's circlefed_hold: what the web's care page says
    headers = {**NO_STORE, "Content-Type": AS2_RESPONSE_CONTENT_TYPE}
    if location:
        headers["Location"] = location
    return web.Response(status=201, body=json.dumps(document, ensure_ascii=False).encode("utf-8"), headers=headers)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/u/{name}/outbox", post_outbox, name="member_outbox_post")
    app.router.add_get("/u/{name}/outbox", c2s_collections.outbox, name="member_outbox")
    app.router.add_get("/u/{name}/inbox", c2s_collections.inbox, name="member_inbox_read")
