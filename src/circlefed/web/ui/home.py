"""Web UI: the home page: what this instance is and its public circles."""

from __future__ import annotations

from aiohttp import web

from circlefed.storage.models import Circle, Visibility
from circlefed.web.ui.render import render


async def home(request: web.Request) -> web.Response:
    """The instance's name and description as its admin set them (page_base), else the settings file's."""
    circles = await Circle.filter(is_local=True, visibility=Visibility.PUBLIC).order_by("name")
    return await render(request, "home.html", {"circles": circles})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home, name="home")
