"""Web API: relationships and follow/unfollow (following a circle is joining it, through services/membership.py,
with the same refusals as the circle's page); people are not followed here."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.domain.standing import has_rules
from circlefed.errors import BadRequest, CirclefedError, NotFound
from circlefed.services import membership
from circlefed.storage.models import Actor, Circle, MembershipState
from circlefed.web.api.account_targets import CIRCLE, Target, parse_account_ref, target_of, visible_circle
from circlefed.web.api.auth import NO_STORE, bearer_required, mastodon_error
from circlefed.web.api.status_views import Viewer, viewer_of
from circlefed.web.api.statuses import refused_as_mastodon
from circlefed.web.keys import CLOCK, FEDERATION, SITE
from circlefed.web.ui.member_access import Access, circle_path

log = logging.getLogger(__name__)

ACCOUNT = "/api/v1/accounts/{id}"
MAX_IDS = 100
NOT_PEOPLE = "Following people is not supported here; follow a circle to join it"


def relationship(account_id: str, *, following: bool = False, requested: bool = False) -> dict:
    """Mastodon's Relationship: a circle is followed by its members (requested: a request waiting); nothing
    else is ever followed, blocked or muted here."""
    return {
        "id": account_id,
        "following": following,
        "showing_reblogs": following,
        "notifying": False,
        "languages": None,
        "followed_by": False,
        "blocking": False,
        "blocked_by": False,
        "muting": False,
        "muting_notifications": False,
        "requested": requested,
        "requested_by": False,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


def _of_access(account_id: str, access: Access) -> dict:
    return relationship(account_id, following=access.is_member, requested=access.is_pending)


@bearer_required("read:follows")
@refused_as_mastodon
async def relationships(request: web.Request) -> web.StreamResponse:
    """One Relationship per id asked for, in order; an id the reader may not see (or none at all) answers as
    one never followed, exactly as a missing id does."""
    asked = list(dict.fromkeys(request.query.getall("id[]", []) + request.query.getall("id", [])))
    if len(asked) > MAX_IDS:
        return mastodon_error(f"Ask for at most {MAX_IDS} accounts at a time", 422)
    viewer = await viewer_of(request)
    return web.json_response([await _relationship(request, raw, viewer) for raw in asked], headers=NO_STORE)


async def _relationship(request: web.Request, raw: str, viewer: Viewer) -> dict:
    ref = parse_account_ref(raw)
    if ref is None or ref[0] != CIRCLE:
        return relationship(raw)
    try:
        return _of_access(raw, await visible_circle(request, ref[1], viewer))
    except NotFound:
        return relationship(raw)


async def _circle(request: web.Request) -> tuple[Target, Viewer, Access | None]:
    """The account the path names (NotFound when the reader may not see it), and the reader's access when it is
    a circle."""
    viewer = await viewer_of(request)
    target = await target_of(request, request.match_info["id"], viewer)
    return target, viewer, target.access if target.kind == CIRCLE else None


@bearer_required("write:follows")
@refused_as_mastodon
async def follow(request: web.Request) -> web.StreamResponse:
    """Join an open circle, or ask to (approval, members and local circles), as the circle's Join button does."""
    target, viewer, access = await _circle(request)
    if access is None:
        return mastodon_error(NOT_PEOPLE, 422)
    circle = access.circle
    if access.is_member or access.is_pending:
        return web.json_response(_of_access(target.id, access), headers=NO_STORE)
    assert viewer.actor is not None
    if not circle.is_local:
        return await _join_elsewhere(request, target, viewer.actor, circle)
    now = request.app[CLOCK].now()
    try:
        outcome = await membership.join_circle(request.app[SITE], circle, viewer.actor, rules_version=None, now=now)
    except BadRequest as exc:
        if not has_rules(circle):
            raise
        log.info("api: actor %d asked to join circle %d without its ground rules", viewer.actor.id, circle.id)
        page = request.app[SITE].uris.base + circle_path(circle)
        message = f"{circle.name} asks everyone who joins to read and accept its ground rules. Join on its page: {page}"
        raise BadRequest(message) from exc
    log.info("api: actor %d joined circle %d: %s", viewer.actor.id, circle.id, outcome.state.value)
    approved = outcome.state is MembershipState.APPROVED
    pending = outcome.state is MembershipState.PENDING
    return web.json_response(relationship(target.id, following=approved, requested=pending), headers=NO_STORE)


async def _join_elsewhere(request: web.Request, target: Target, person: Actor, circle: Circle) -> web.Response:
    """Ask a circle of another instance, read afresh by its handle as the Circles page does; its Accept arrives
    later (requested until then)."""
    group = await Actor.get(id=circle.actor_id).prefetch_related("instance")  # type: ignore[attr-defined]
    handle = f"@{group.preferred_username}@{group.instance.domain}"
    try:
        outcome = await membership.join_elsewhere(request.app[FEDERATION], person, handle)
    except CirclefedError as exc:
        log.info("api: actor %d could not ask circle %d of another instance: %s", person.id, circle.id, exc.message)
        return mastodon_error(*_elsewhere_problem(exc))
    log.info("api: actor %d asked to join circle %d of another instance", person.id, circle.id)
    approved = outcome.state is MembershipState.APPROVED
    pending = outcome.state is MembershipState.PENDING
    return web.json_response(relationship(target.id, following=approved, requested=pending), headers=NO_STORE)


def _elsewhere_problem(exc: CirclefedError) -> tuple[str, int]:
    """Plain words for the app (the exception's own text names hosts and library errors: it goes to the log)."""
    if exc.status == 404:
        return "That circle could not be found on its instance any more.", 404
    if exc.status == 403:
        return "This instance does not connect with that circle's instance.", 403
    if exc.status >= 500:
        return "That circle's instance could not be reached just now. Try again later.", 502
    return "That circle could not be asked to let you join. Try again later.", 422


@bearer_required("write:follows")
@refused_as_mastodon
async def unfollow(request: web.Request) -> web.StreamResponse:
    """Leave the circle, or withdraw a request still waiting; nothing to leave answers as it stands."""
    target, viewer, access = await _circle(request)
    if access is None or access.membership is None:
        return web.json_response(relationship(target.id), headers=NO_STORE)
    assert viewer.actor is not None
    now = request.app[CLOCK].now()
    await membership.leave_circle(request.app[SITE], access.circle, viewer.actor, now=now)
    log.info("api: actor %d left circle %d", viewer.actor.id, access.circle.id)
    return web.json_response(relationship(target.id), headers=NO_STORE)


@bearer_required("read:follows")
async def follow_requests(request: web.Request) -> web.StreamResponse:
    """Nobody asks to follow a member here; a circle's join requests are answered on its facilitation pages."""
    return web.json_response([], headers=NO_STORE)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/accounts/relationships", relationships, name="api_relationships")
    app.router.add_post(f"{ACCOUNT}/follow", follow, name="api_follow")
    app.router.add_post(f"{ACCOUNT}/unfollow", unfollow, name="api_unfollow")
    app.router.add_get("/api/v1/follow_requests", follow_requests, name="api_follow_requests")
