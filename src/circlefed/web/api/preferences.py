"""Web API: Mastodon's preferences of the token's member (apps read them at sign-in; Ivory stops without them):
posts take their visibility from their circle, so the default is the one a public circle gives."""

from __future__ import annotations

from aiohttp import web

from circlefed.web.api.auth import NO_STORE, bearer_required


@bearer_required("read:accounts")
async def preferences(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "posting:default:visibility": "public",
            "posting:default:sensitive": False,
            "posting:default:language": None,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
            "reading:autoplay:gifs": False,
        },
        headers=NO_STORE,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/preferences", preferences)
