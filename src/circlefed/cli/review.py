"""CLI: `circlefed moderation held|approve|reject|reports|resolve`: held posts and reports, acting as a user."""

from __future__ import annotations

from circlefed.cli.common import database, positive_int, print_table, settings_from_args, site_for
from circlefed.clock import Clock
from circlefed.domain import reports, review
from circlefed.domain.accounts import get_account
from circlefed.domain.circles import get_local_circle, list_local_circles
from circlefed.errors import Forbidden, NotFound
from circlefed.federation.lookup import find_post
from circlefed.services import decisions
from circlefed.storage.models import Actor, Circle, Report


def register(sub) -> None:
    """Sub-commands of `circlefed moderation` (called by cli/moderation.py)."""
    held = sub.add_parser("held", help="list posts waiting for review")
    held.add_argument("--circle", metavar="SLUG", help="only this circle (default: every local circle)")
    held.add_argument("--as", dest="as_user", required=True, metavar="USER", help="a facilitator or admin")
    held.set_defaults(run=held_command)
    for name, help_text in (("approve", "approve a held post: it appears and is sent out"),
                            ("reject", "reject a held post: it stays invisible")):
        decide = sub.add_parser(name, help=help_text)
        decide.add_argument("uri", help="the post's id, as `held` lists it")
        decide.add_argument("--as", dest="as_user", required=True, metavar="USER")
        decide.add_argument("--reason", default="", help="why (kept in the moderation log)")
        decide.set_defaults(run=decide_command, decision=name)
    listing = sub.add_parser("reports", help="list open reports")
    listing.add_argument("--circle", metavar="SLUG")
    listing.add_argument("--as", dest="as_user", required=True, metavar="USER")
    listing.set_defaults(run=reports_command)
    resolve = sub.add_parser("resolve", help="close a report with its outcome")
    resolve.add_argument("id", type=positive_int)
    resolve.add_argument("--outcome", required=True, help="what was done, e.g. 'removed the thread'")
    resolve.add_argument("--as", dest="as_user", required=True, metavar="USER")
    resolve.set_defaults(run=resolve_command)


async def _acting(username: str) -> Actor:
    return await (await get_account(username)).actor


async def _reviewed_by(viewer: Actor, username: str, slug: str | None) -> list[Circle]:
    """The circles (all, or the one named) whose held posts and reports `viewer` reviews; Forbidden, saying why,
    when there are none: an empty table would read as "nothing to do"."""
    circles = [await get_local_circle(slug)] if slug else await list_local_circles()
    reviewed = [circle for circle in circles if await review.may_review(circle, viewer)]
    if not reviewed:
        where = f"circle {slug}" if slug else "any circle here"
        raise Forbidden(f"{username} does not facilitate {where}: only a circle's facilitators and the instance's "
                        "admins review its held posts and reports")
    return reviewed


async def held_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        viewer = await _acting(args.as_user)
        circles = await _reviewed_by(viewer, args.as_user, args.circle)
        rows = []
        for circle in circles:
            held = await review.held_posts(circle, viewer)
            rows += [[circle.slug, row.uri, row.review_reason or ""] for row in held]
    if not rows:
        print(f"nothing is held for review in {', '.join(circle.slug for circle in circles)}")
        return 0
    print_table(["circle", "post", "why"], rows)
    return 0


async def decide_command(args) -> int:
    settings = settings_from_args(args)
    now = Clock().now()
    async with database(settings):
        by = await _acting(args.as_user)
        row = await find_post(args.uri)
        if row is None:
            raise NotFound(f"no post {args.uri}")
        if args.decision == "approve":
            await decisions.approve_post(site_for(settings), row, by, now=now)
        else:
            await decisions.reject_post(row, by, reason=args.reason, note="", now=now)
    print(f"{args.decision}d {args.uri}")
    return 0


async def reports_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        viewer = await _acting(args.as_user)
        circles = await _reviewed_by(viewer, args.as_user, args.circle)
        circle = circles[0] if args.circle else None
        rows = [
            [report.id, report.created_at.strftime("%Y-%m-%d"), report.reporter.uri, report.object_uri,
             report.category.value, report.reason]
            for report in await reports.list_reports(viewer, circle=circle)
        ]
    if not rows:
        print(f"no open reports in {', '.join(circle.slug for circle in circles)}")
        return 0
    print_table(["id", "date", "reporter", "reported", "category", "reason"], rows)
    return 0


async def resolve_command(args) -> int:
    settings = settings_from_args(args)
    now = Clock().now()
    async with database(settings):
        by = await _acting(args.as_user)
        report = await Report.get_or_none(id=args.id)
        if report is None:
            raise NotFound(f"no report #{args.id}")
        # The instances keeping a copy of the report are told (Resolve / the Group's Announce of it).
        await decisions.resolve_report(site_for(settings), report, by, outcome=args.outcome, now=now)
    print(f"report #{args.id} resolved")
    return 0
