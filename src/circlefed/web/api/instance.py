"""Web API: /api/v1/instance and /api/v2/instance (no sign-in needed), from the same counts NodeInfo publishes."""

from __future__ import annotations

from aiohttp import web

from circlefed import __version__
from circlefed.domain.content import MAX_SOURCE_LENGTH
from circlefed.domain.instance_identity import instance_identity
from circlefed.domain.registration import registration_mode
from circlefed.protocol.mastodon_instance import InstanceFacts, render_instance_v1, render_instance_v2
from circlefed.storage.models import RegistrationMode
from circlefed.storage.stats import nodeinfo_usage
from circlefed.web.keys import CLOCK, SETTINGS


async def instance_facts(request: web.Request) -> InstanceFacts:
    settings = request.app[SETTINGS].instance
    title, description = await instance_identity(settings.name, settings.description)
    mode = await registration_mode()
    usage = await nodeinfo_usage(request.app[CLOCK].now())
    return InstanceFacts(
        domain=settings.domain,
        base_url=settings.base_url.rstrip("/"),
        title=title,
        description=description,
        software_version=__version__,
        registrations_open=mode in (RegistrationMode.OPEN, RegistrationMode.APPROVAL),
        approval_required=mode is RegistrationMode.APPROVAL,
        invites_enabled=mode is RegistrationMode.INVITE,
        max_characters=MAX_SOURCE_LENGTH,
        users=usage.users_total,
        active_month=usage.active_month,
        statuses=usage.local_posts,
    )


async def instance_v1(request: web.Request) -> web.Response:
    return web.json_response(render_instance_v1(await instance_facts(request)))


async def instance_v2(request: web.Request) -> web.Response:
    return web.json_response(render_instance_v2(await instance_facts(request)))


async def nothing_listed(request: web.Request) -> web.Response:
    """Custom emojis: none here (an empty list, not a 404: apps load it at sign-in)."""
    return web.json_response([])


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/instance", instance_v1)
    app.router.add_get("/api/v2/instance", instance_v2)
    app.router.add_get("/api/v1/custom_emojis", nothing_listed)
