"""Web API: Mastodon's accounts endpoints for the token's own member (verify_credentials, update_credentials), in
Mastodon's shape.

Only what public circles hold is counted or shown: an app's view of a member never reveals a members-only or
local circle (which circles they joined, what they wrote there)."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from tortoise.queryset import QuerySet

from circlefed.errors import BadRequest
from circlefed.protocol.vocab import format_datetime
from circlefed.services.profile import rename_profile
from circlefed.storage.models import (
    Account,
    Actor,
    Membership,
    MembershipState,
    Post,
    ReviewState,
    Thread,
    Visibility,
)
from circlefed.web.api.auth import NO_STORE, TOKEN, bearer_required, mastodon_error, read_params
from circlefed.web.keys import CLOCK, SITE

log = logging.getLogger(__name__)

AVATAR = "/static/avatar.png"
HEADER = "/static/header.png"
TRUE, FALSE = ("1", "true", "on"), ("0", "false", "off", "")
# What the CredentialAccount shows of each setting an app may send; sending the same value again changes nothing.
FLAGS = {"locked": False, "bot": False, "discoverable": False, "indexable": False, "hide_collections": True}
SOURCE = {"privacy": ("public",), "sensitive": (False,), "language": ("", None)}
NO_NOTE = "A profile note cannot be set here: members introduce themselves in their circles."
NO_PICTURES = "Profile pictures and headers cannot be uploaded here."
NO_FIELDS = "Profile fields cannot be set here."
NO_FLAG = "{name} cannot be changed here: {reason}."
FLAG_REASONS = {
    "locked": "a member is not followed, circles decide who joins them",
    "bot": "accounts here are people",
    "discoverable": "members are not listed in any directory",
    "indexable": "posts are not indexed for search",
    "hide_collections": "who belongs to a circle is never shown",
}
NO_SOURCE = "source[{name}] cannot be changed here: each circle decides who reads its posts."


@bearer_required("read:accounts", "profile")
async def verify_credentials(request: web.Request) -> web.StreamResponse:
    account: Account = request[TOKEN].account
    actor = await Actor.get(id=account.actor_id)  # type: ignore[attr-defined]
    return web.json_response(await own_account(request.app[SITE].uris.base, account, actor), headers=NO_STORE)


def public_threads(actor_id: int) -> QuerySet[Thread]:
    """The member's live threads written for anyone, in circles public now: what their public profile may show."""
    return Thread.filter(
        author_id=actor_id, deleted_at=None, review_state=ReviewState.VISIBLE, audience=Visibility.PUBLIC,
        circle__visibility=Visibility.PUBLIC,
    )


def public_replies(actor_id: int) -> QuerySet[Post]:
    """The member's live replies in such threads (public_threads' rule, by their thread)."""
    return Post.filter(
        author_id=actor_id, deleted_at=None, review_state=ReviewState.VISIBLE, thread__audience=Visibility.PUBLIC,
        thread__circle__visibility=Visibility.PUBLIC,
    )


async def own_account(base: str, account: Account, actor: Actor) -> dict:
    """Mastodon's CredentialAccount of the member; counts of public circles only (see the module's note)."""
    joined = await Membership.filter(
        actor_id=actor.id, state=MembershipState.APPROVED, circle__visibility=Visibility.PUBLIC
    ).count()
    threads = await public_threads(actor.id).count()
    replies = await public_replies(actor.id).count()
    username = actor.local_name or account.username
    return {
        "id": str(account.id),
        "username": username,
        "acct": username,
        "display_name": actor.display_name or username,
        "locked": False,
        "bot": False,
        "group": False,
        "discoverable": False,
        "indexable": False,
        "created_at": format_datetime(account.created_at),
        "last_status_at": None,
        "note": "",
        "url": actor.url or actor.uri,
        "uri": actor.uri,
        "avatar": base + AVATAR,
        "avatar_static": base + AVATAR,
        "header": base + HEADER,
        "header_static": base + HEADER,
        "followers_count": 0,
        "following_count": joined,
        "statuses_count": threads + replies,
        "emojis": [],
        "fields": [],
        "source": {
            "privacy": "public",
            "sensitive": False,
            "language": None,
            "note": "",
            "fields": [],
            "follow_requests_count": 0,
        },
    }


@bearer_required("write:accounts")
async def update_credentials(request: web.Request) -> web.StreamResponse:
    """The profile's name (display_name, through services/profile.py); anything else an app may send is accepted
    only as the value already shown (apps send the whole form), else refused, all of it, naming each field."""
    params = await _profile_params(request)
    try:
        refused = _refusals(params)
    except BadRequest as exc:
        return mastodon_error(exc.message, 422)
    if refused:
        log.info("api: profile change refused: %s", ", ".join(sorted(refused)))
        return mastodon_error(" ".join(refused.values()), 422)
    account: Account = request[TOKEN].account
    name = params.get("display_name")
    if name is not None:
        if not isinstance(name, str):
            return mastodon_error("display_name must be text", 422)
        try:
            await rename_profile(request.app[SITE], account, name, now=request.app[CLOCK].now())
        except BadRequest as exc:
            return mastodon_error(f"display_name: {exc.message}", 422)
    actor = await Actor.get(id=account.actor_id)  # type: ignore[attr-defined]
    return web.json_response(await own_account(request.app[SITE].uris.base, account, actor), headers=NO_STORE)


async def _profile_params(request: web.Request) -> dict[str, Any]:
    """The query string's and the body's parameters (JSON, or form fields with uploads kept, for any method)."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await read_params(request))
    elif request.body_exists:
        params.update((await request.post()).items())
    return params


def _refusals(params: dict[str, Any]) -> dict[str, str]:
    """field -> why it cannot be set here, for each field whose value differs from what the account shows."""
    refused: dict[str, str] = {}
    if _text(params.get("note")):
        refused["note"] = NO_NOTE
    if any(params.get(key) not in (None, "") for key in ("avatar", "header")):
        refused["avatar"] = NO_PICTURES
    for name, shown in FLAGS.items():
        if name in params and _flag(params[name], name) is not shown:
            refused[name] = NO_FLAG.format(name=name, reason=FLAG_REASONS[name])
    if any(_text(value) for key, value in _nested(params, "fields_attributes")):
        refused["fields_attributes"] = NO_FIELDS
    if any(_text(value) for key, value in _nested(params, "attribution_domains")):
        refused["attribution_domains"] = "attribution_domains cannot be set here."
    for key, value in _nested(params, "source"):
        name = key.strip("[]")
        allowed = SOURCE.get(name)
        checked = _flag(value, f"source[{name}]") if name == "sensitive" else value
        if allowed is not None and checked not in allowed:
            refused[f"source[{name}]"] = NO_SOURCE.format(name=name)
    return refused


def _nested(params: dict[str, Any], prefix: str) -> list[tuple[str, Any]]:
    """(rest of the key, value) of a nested parameter: form keys `prefix[...]` or a JSON object or list under it."""
    found = [(key[len(prefix) :], value) for key, value in params.items() if key.startswith(f"{prefix}[")]
    if prefix in params:
        found += _flatten(params[prefix])
    return found


def _flatten(value: Any) -> list[tuple[str, Any]]:
    """(path of keys, leaf) of every leaf of a JSON value."""
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return [("", value)]
    return [(f"{key}{rest}", leaf) for key, inner in items for rest, leaf in _flatten(inner)]


def _text(value: Any) -> bool:
    """Whether a value says something (non-blank text, a number, an upload)."""
    return value is not None and (not isinstance(value, str) or bool(value.strip())) and value is not False


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE + FALSE:
        return value.strip().lower() in TRUE
    raise BadRequest(f"{name} must be true or false")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/accounts/verify_credentials", verify_credentials, name="api_verify_credentials")
    app.router.add_patch("/api/v1/accounts/update_credentials", update_credentials, name="api_update_credentials")
