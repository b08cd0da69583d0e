"""Web UI: importing (all rows or none) and exporting the domain rules as a Mastodon domain-block CSV."""

from __future__ import annotations

import csv
import logging

from aiohttp import web

from circlefed.domain import federation_policy
from circlefed.errors import BadRequest
from circlefed.policy.blocklist_errors import blocklist_errors
from circlefed.web.keys import CLOCK
from circlefed.web.ui.admin_federation import PAGE, CancelCounter, federation_page, policy_changed
from circlefed.web.ui.guards import admin_required
from circlefed.web.ui.render import redirect

log = logging.getLogger(__name__)


def _uploaded_text(upload: object) -> str:
    if not isinstance(upload, web.FileField):
        raise BadRequest("Choose a CSV file to import.")
    data = upload.file.read()
    if not data:
        raise BadRequest("The chosen file is empty.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The file is not UTF-8 text. Export it again as CSV (UTF-8).") from None


@admin_required
async def import_csv(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        text = _uploaded_text(form.get("blocklist"))
    except BadRequest as exc:
        return await federation_page(request, status=400, import_errors=[exc.message])
    enforce = CancelCounter()
    try:
        report = await federation_policy.import_rules(text, now=request.app[CLOCK].now(), enforce=enforce)
    except (BadRequest, csv.Error) as exc:
        errors = _errors_of(text, exc)
        log.info("domain-block import refused: %d malformed lines", len(errors))
        return await federation_page(request, status=400, import_errors=errors)
    policy_changed(request)
    message = (
        f"Imported the file: {report.added} added, {report.updated} changed, {report.unchanged} unchanged."
        + (f" Skipped {len(report.skipped)} lines: {'; '.join(report.skipped)}." if report.skipped else "")
        + enforce.report()
    )
    return redirect(request, PAGE, message)


def _errors_of(text: str, exc: Exception) -> list[str]:
    try:
        errors = blocklist_errors(text)
    except csv.Error:
        errors = []
    return errors or [str(exc)]


@admin_required
async def export_csv(request: web.Request) -> web.StreamResponse:
    text, _ = await federation_policy.export_rules()
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="domain_blocks.csv"', "Cache-Control": "no-store"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PAGE}/import", import_csv)
    app.router.add_get(f"{PAGE}/export.csv", export_csv, name="admin_blocklist_export")
