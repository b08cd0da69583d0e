"""Web UI: /admin/settings: name, registration mode, who starts circles, crisis resources, safety switches and
confidentiality."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.domain import safety_admin
from circlefed.domain.instance_identity import MAX_DESCRIPTION, MAX_NAME
from circlefed.domain.instance_policy import read_instance_policy
from circlefed.domain.safety import FALLBACK_RESOURCES
from circlefed.services.instance_settings import InstanceSettings, save_instance_settings
from circlefed.storage.models import CircleCreators, InstancePolicy, RegistrationMode
from circlefed.web.keys import CLOCK, SETTINGS
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.guards import admin_required
from circlefed.web.ui.render import redirect, render

log = logging.getLogger(__name__)
MODES = tuple(mode.value for mode in RegistrationMode)
CREATORS = tuple(who.value for who in CircleCreators)
SWITCHES = ("hold_first_posts", "forward_reports_to_author_instance")


def _values(row: InstancePolicy) -> dict[str, object]:
    return {
        "instance_name": row.instance_name or "",
        "instance_description": row.instance_description or "",
        "registration_mode": row.registration_mode.value,
        "circle_creators": row.circle_creators.value,
        "crisis_resources": row.crisis_resources,
        "hold_first_posts": row.hold_first_posts,
        "forward_reports_to_author_instance": row.forward_reports_to_author_instance,
        "share_real_names": row.share_real_names,
        "members_to_untrusted_software": row.members_circles_to_untrusted_software,
    }


async def _page(request: web.Request, values: dict, form: Form, *, status: int = 200) -> web.Response:
    instance, moderation = request.app[SETTINGS].instance, request.app[SETTINGS].moderation
    crisis = {
        "saved": (await read_instance_policy()).crisis_resources,
        "fallback": FALLBACK_RESOURCES,
        "phrases": moderation.crisis_phrases,
        "terms": len(moderation.crisis_terms),
    }
    context = {
        "crisis": crisis,
        "values": values,
        "form": form,
        "defaults": {"name": instance.name, "description": instance.description},
        "max_name": MAX_NAME,
        "max_description": MAX_DESCRIPTION,
        "max_crisis": safety_admin.MAX_RESOURCES,
    }
    return await render(request, "ui/admin/settings.html", context, status=status)


@admin_required
async def settings_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, _values(await read_instance_policy()), Form({}))


def _read(form: Form) -> dict[str, object]:
    values: dict[str, object] = {
        "instance_name": form.text("instance_name", label="Instance name", max_length=MAX_NAME),
        "instance_description": form.text("instance_description", label="Description", max_length=MAX_DESCRIPTION),
        "registration_mode": form.choice("registration_mode", MODES, label="Who may join"),
        "circle_creators": form.choice("circle_creators", CREATORS, label="Who may start circles"),
        "crisis_resources": form.text(
            "crisis_resources", label="Crisis resources", max_length=safety_admin.MAX_RESOURCES
        ),
    }
    for name in (*SWITCHES, "share_real_names", "members_to_untrusted_software"):
        values[name] = form.checkbox(name)
    return values


@admin_required
async def save_settings(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    values = _read(form)
    if not form.ok:
        return await _page(request, values, form, status=400)
    wanted = InstanceSettings(
        name=str(values["instance_name"]),
        description=str(values["instance_description"]),
        registration_mode=RegistrationMode(values["registration_mode"]),
        circle_creators=CircleCreators(values["circle_creators"]),
        crisis_resources=str(values["crisis_resources"]),
        switches={name: bool(values[name]) for name in SWITCHES},
        share_real_names=bool(values["share_real_names"]),
        members_to_untrusted_software=bool(values["members_to_untrusted_software"]),
    )
    cancelled = await save_instance_settings(wanted, now=request.app[CLOCK].now())
    log.info("instance settings saved (registration %s)", values["registration_mode"])
    extra = f" {cancelled} queued deliveries to untrusted software were cancelled." if cancelled else ""
    return redirect(request, "/admin/settings", "Saved the instance settings." + extra)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/admin/settings", settings_page, name="admin_settings")
    app.router.add_post("/admin/settings", save_settings)
