"""Web UI: the home page: what this instance is and its public circles."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from circlefed.storage.models import Circle, Visibility
from circlefed.web.keys import SETTINGS


async def home(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    circles = await Circle.filter(is_local=True, visibility=Visibility.PUBLIC).order_by("name")
    context = {"instance": settings.instance, "circles": circles}
    return aiohttp_jinja2.render_template("home.html", request, context)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home, name="home")
