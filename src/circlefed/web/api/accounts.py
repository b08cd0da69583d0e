"""Web API: Mastodon's accounts endpoints for the token's own member (verify_credentials), in Mastodon's shape.

Only what public circles hold is counted or shown: an app's view of a member never reveals a members-only or
local circle (which circles they joined, what they wrote there)."""

from __future__ import annotations

from aiohttp import web

from circlefed.protocol.vocab import format_datetime
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
from circlefed.web.api.auth import NO_STORE, TOKEN, bearer_required
from circlefed.web.keys import SITE

AVATAR = "/static/avatar.png"
HEADER = "/static/header.png"


@bearer_required("read:accounts", "profile")
async def verify_credentials(request: web.Request) -> web.StreamResponse:
    account: Account = request[TOKEN].account
    actor = await Actor.get(id=account.actor_id)  # type: ignore[attr-defined]
    return web.json_response(await own_account(request.app[SITE].uris.base, account, actor), headers=NO_STORE)


async def own_account(base: str, account: Account, actor: Actor) -> dict:
    """Mastodon's CredentialAccount of the member; counts of public circles only (see the module's note)."""
    joined = await Membership.filter(
        actor_id=actor.id, state=MembershipState.APPROVED, circle__visibility=Visibility.PUBLIC
    ).count()
    threads = await Thread.filter(
        author_id=actor.id, deleted_at=None, review_state=ReviewState.VISIBLE, audience=Visibility.PUBLIC,
        circle__visibility=Visibility.PUBLIC,
    ).count()
    replies = await Post.filter(
        author_id=actor.id, deleted_at=None, review_state=ReviewState.VISIBLE, thread__audience=Visibility.PUBLIC,
        thread__circle__visibility=Visibility.PUBLIC,
    ).count()
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


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/accounts/verify_credentials", verify_credentials, name="api_verify_credentials")
