"""Web UI: facilitators edit a circle's ground rules and settings (name and description, visibility, retention,
join approval, messages between members)."""

from __future__ import annotations

import logging

from aiohttp import web

from circlefed.domain.circles import MAX_DESCRIPTION, MAX_NAME
from circlefed.domain.memberships import is_local_admin
from circlefed.domain.rules import MAX_RULES_LENGTH
from circlefed.services import moderation
from circlefed.services.circle_settings import CircleSettings, save_circle_settings
from circlefed.storage.models import Visibility
from circlefed.web.keys import SETTINGS, SITE
from circlefed.web.ui.facilitate_common import Moderating, facilitator_page, now, page
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.render import redirect

log = logging.getLogger(__name__)
LEVELS = tuple(level.value for level in Visibility)
MORE_PRIVATE = {("public", "members"), ("public", "local"), ("members", "local")}
MAX_RETENTION_DAYS = 36500


@facilitator_page
async def rules_page(request: web.Request, mod: Moderating) -> web.Response:
    return await page(request, mod, "ui/facilitate/rules.html", {"form": None, "max_length": MAX_RULES_LENGTH})


@facilitator_page
async def save_rules(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    source = form.text("rules", label="Ground rules", max_length=MAX_RULES_LENGTH)
    again = form.checkbox("reacknowledge")
    if not form.ok:
        context = {"form": form, "max_length": MAX_RULES_LENGTH}
        return await page(request, mod, "ui/facilitate/rules.html", context, status=400)
    await moderation.set_rules(
            request.app[SITE], mod.circle, mod.viewer, source, require_reacknowledgement=again, now=now(request)
        )
    log.info(
        "circle %s: ground rules changed by %s (version %s)", mod.circle.id, mod.viewer.id, mod.circle.rules_version
    )
    extra = " Members will be asked to accept them before they post again." if again else ""
    return redirect(request, f"{mod.base}/rules", f"The ground rules are saved.{extra}")


async def allowed_levels(request: web.Request, mod: Moderating) -> tuple[str, ...]:
    """Every level for an admin; for a facilitator, the levels the admin allows plus the circle's current one."""
    if await is_local_admin(mod.viewer):
        return LEVELS
    allowed = set(request.app[SETTINGS].confidentiality.facilitator_visibilities) | {mod.circle.visibility.value}
    return tuple(level for level in LEVELS if level in allowed)


async def _settings_page(request: web.Request, mod: Moderating, form: Form | None = None) -> web.Response:
    context = {
        "form": form,
        "levels": await allowed_levels(request, mod),
        "max_name": MAX_NAME,
        "max_description": MAX_DESCRIPTION,
    }
    return await page(request, mod, "ui/facilitate/settings.html", context, status=400 if form else 200)


@facilitator_page
async def settings_page(request: web.Request, mod: Moderating) -> web.Response:
    return await _settings_page(request, mod)


def read_retention(form: Form) -> int | None:
    """The "keep posts for how many days" field: None (keep until deleted) or 1 to 36,500 days."""
    text = form.text("retention_days", label="Days")
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_RETENTION_DAYS:
        form.error("retention_days", f"Give a whole number of days from 1 to {MAX_RETENTION_DAYS}, or leave it empty.")
        return None
    return int(text)


async def _visibility(request: web.Request, mod: Moderating, form: Form) -> str:
    level = form.choice("visibility", LEVELS, label="Who can see the circle")
    if form.ok and level not in await allowed_levels(request, mod):
        form.error("visibility", f"Facilitators may not make a circle {level}: ask an admin of this instance.")
    return level


@facilitator_page
async def save_settings(request: web.Request, mod: Moderating) -> web.Response:
    form = await read_form(request)
    name = form.text("name", label="Name", required=True, max_length=MAX_NAME)
    description = form.text("description", label="Description", max_length=MAX_DESCRIPTION)
    level, days = await _visibility(request, mod, form), read_retention(form)
    approval, member_messages = form.checkbox("requires_approval"), form.checkbox("members_may_message")
    if not form.ok:
        log.info("circle %s: settings refused for actor %s: %s", mod.circle.id, mod.viewer.id, ", ".join(form.errors))
        return await _settings_page(request, mod, form)
    wanted = CircleSettings(name, description, level, days, approval, member_messages)
    choices = request.app[SETTINGS].confidentiality.facilitator_visibilities
    change = await save_circle_settings(
        request.app[SITE], mod.circle, mod.viewer, wanted, facilitator_choices=choices, now=now(request)
    )
    moved, cancelled = change.changed, change.cancelled
    return redirect(request, f"{mod.base}/settings", _saved_message(moved, cancelled))


def _saved_message(moved, cancelled: int) -> str:
    message = "The circle's settings are saved."
    if moved is not None and (moved.before.value, moved.after.value) in MORE_PRIVATE:
        message += " Other instances may still hold copies of earlier posts: an admin can ask them to delete those." + (
            f" {cancelled} deliveries not yet sent were stopped." if cancelled else ""
        )
    return message


def add_routes(app: web.Application) -> None:
    app.router.add_get("/c/{slug}/facilitate/rules", rules_page, name="facilitate_rules")
    app.router.add_post("/c/{slug}/facilitate/rules", save_rules)
    app.router.add_get("/c/{slug}/facilitate/settings", settings_page, name="facilitate_settings")
    app.router.add_post("/c/{slug}/facilitate/settings", save_settings)
