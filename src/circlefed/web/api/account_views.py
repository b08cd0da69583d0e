"""Web API: accounts other than one's own: circles as group accounts, members, their statuses, lookup.

An account the reader may not see answers exactly as a missing one (account_targets.py); who belongs to a circle
is never listed (followers and following are empty)."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain.directory import not_found
from circlefed.storage.models import Account, Actor, Circle
from circlefed.web.api.account_statuses import account_statuses
from circlefed.web.api.account_targets import (
    CIRCLE,
    Target,
    circle_target,
    member_target,
    remote_target,
    target_of,
)
from circlefed.web.api.auth import NO_STORE, bearer_optional, mastodon_error
from circlefed.web.api.paging import link_header, page_of
from circlefed.web.api.status_views import Viewer, viewer_of
from circlefed.web.api.statuses import refused_as_mastodon
from circlefed.web.keys import SETTINGS

ACCOUNT = "/api/v1/accounts/{id}"


async def _target(request: web.Request) -> tuple[Target, Viewer]:
    viewer = await viewer_of(request)
    return await target_of(request, request.match_info["id"], viewer), viewer


@bearer_optional("read:accounts")
@refused_as_mastodon
async def show(request: web.Request) -> web.StreamResponse:
    target, _ = await _target(request)
    return web.json_response(target.shown, headers=NO_STORE)


@bearer_optional("read:statuses", "read:accounts")
@refused_as_mastodon
async def statuses(request: web.Request) -> web.StreamResponse:
    """Newest first, paged as Mastodon pages (max_id, since_id, min_id, limit; the Link header)."""
    target, viewer = await _target(request)
    if target.kind == CIRCLE and (target.access is None or not target.access.can_read):
        raise not_found()  # the circle's page shows no threads to this reader: no statuses either
    page = page_of(request)
    listed = await account_statuses(request, target, viewer, page)
    page_ids = [number for number, _ in listed.items]
    headers = {**NO_STORE, **link_header(request, page_ids, full=listed.more)}
    return web.json_response([status for _, status in listed.items], headers=headers)


@bearer_optional("read:accounts")
@refused_as_mastodon
async def lookup(request: web.Request) -> web.StreamResponse:
    """acct=name or name@domain: a circle by its handle, a member by username (their public profile), or a
    remote circle or author this instance knows; nothing is fetched from other instances."""
    acct = request.query.get("acct", "").strip().removeprefix("@")
    if not acct:
        return mastodon_error("acct is missing: name the account as name or name@domain", 400)
    name, _, host = acct.partition("@")
    viewer = await viewer_of(request)
    if not host or host.lower() == request.app[SETTINGS].instance.domain.lower():
        target = await _local(request, name.lower(), viewer)
    else:
        target = await _remote(request, name, host.lower(), viewer)
    return web.json_response(target.shown, headers=NO_STORE)


async def _local(request: web.Request, name: str, viewer: Viewer) -> Target:
    circle = await Circle.get_or_none(slug=name, is_local=True)
    if circle is not None:
        return await circle_target(request, circle, viewer)
    account = await Account.get_or_none(username=name).select_related("actor")
    if account is None:
        raise not_found()
    return await member_target(request, account, viewer)


async def _remote(request: web.Request, name: str, host: str, viewer: Viewer) -> Target:
    circle = await Circle.filter(slug__iexact=name, is_local=False, actor__instance__domain=host).first()
    if circle is not None:
        return await circle_target(request, circle, viewer)
    actor = await Actor.filter(preferred_username__iexact=name, is_local=False, instance__domain=host).exclude(
        type="Group"
    ).first()
    if actor is None:
        raise not_found()
    return await remote_target(request, actor, viewer)


@bearer_optional("read:accounts")
@refused_as_mastodon
async def nobody(request: web.Request) -> web.StreamResponse:
    """Followers and following: never listed (who belongs to a circle is nobody's to list), for any account the
    reader may see; one they may not see answers as a missing one."""
    await _target(request)
    return web.json_response([], headers=NO_STORE)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/accounts/lookup", lookup, name="api_account_lookup")
    app.router.add_get(ACCOUNT, show, name="api_account")
    app.router.add_get(f"{ACCOUNT}/statuses", statuses, name="api_account_statuses")
    app.router.add_get(f"{ACCOUNT}/followers", nobody)
    app.router.add_get(f"{ACCOUNT}/following", nobody)
