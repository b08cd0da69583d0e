"""Web UI: /admin/content-rules: blocked terms and patterns that reject a post or hold it for review."""

from __future__ import annotations

from aiohttp import web

from circlefed.domain import safety_admin
from circlefed.domain.circles import get_local_circle
from circlefed.errors import BadRequest, NotFound
from circlefed.storage.models import Circle
from circlefed.web.ui.forms import Form, read_form
from circlefed.web.ui.guards import admin_required
from circlefed.web.ui.render import redirect, render

PAGE = "/admin/content-rules"


async def _page(request: web.Request, form: Form, *, status: int = 200) -> web.Response:
    context = {
        "rules": await safety_admin.list_content_rules(),
        "circles": await Circle.filter(is_local=True).order_by("name"),
        "form": form,
        "max_pattern": safety_admin.MAX_PATTERN,
    }
    return await render(request, "ui/admin/content_rules.html", context, status=status)


@admin_required
async def rules_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, Form({}))


@admin_required
async def add(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    pattern = form.text("pattern", label="Word or pattern", required=True, max_length=safety_admin.MAX_PATTERN)
    action = form.choice("rule_action", ("reject", "hold"), label="What happens")
    is_regex = form.checkbox("is_regex")
    slug = form.text("circle", max_length=64)
    circle = None
    if form.ok:
        try:
            circle = await get_local_circle(slug) if slug else None
            rule = await safety_admin.add_content_rule(pattern, action, is_regex=is_regex, circle=circle)
        except NotFound:
            form.error("circle", "Choose a circle from the list.")
        except BadRequest as exc:
            form.error("pattern", exc.message[:1].upper() + exc.message[1:] + ".")
    if not form.ok:
        return await _page(request, form, status=400)
    where = f"in {circle.name}" if circle else "everywhere on this instance"
    verb = "refused" if action == "reject" else "held for review"
    return redirect(request, PAGE, f"Added rule {rule.id}: matching posts {where} are {verb}.")


@admin_required
async def remove(request: web.Request) -> web.StreamResponse:
    rule = await safety_admin.remove_content_rule(int(request.match_info["id"]))
    return redirect(request, PAGE, f"Removed rule {rule.id}.")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, rules_page, name="admin_content_rules")
    app.router.add_post(PAGE, add)
    app.router.add_post(PAGE + r"/{id:\d+}/remove", remove)
