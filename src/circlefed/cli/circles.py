"""CLI: `circlefed circles create|list|invite` (and the confidentiality commands of cli/circle_privacy.py)."""

from __future__ import annotations

from datetime import timedelta

from circlefed.cli import circle_privacy
from circlefed.cli.common import database, positive_int, print_table, read_text_file, settings_from_args, site_for
from circlefed.clock import Clock
from circlefed.domain import circles
from circlefed.domain.accounts import get_account
from circlefed.domain.circle_founding import CirclePlan, start_circle
from circlefed.domain.circle_invites import invite_to_circle


def register(subparsers) -> None:
    parser = subparsers.add_parser("circles", help="manage local circles")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser("create", help="create a circle")
    create.add_argument("slug", help="short name used in URLs and handles, e.g. grief_support")
    create.add_argument("--name", required=True, help="display name of the circle")
    create.add_argument("--visibility", default="public", help="public, members or local (default public)")
    create.add_argument("--description", default="", help="one-line description")
    create.add_argument("--facilitator", help="username of the first facilitator")
    create.add_argument("--rules-file", help="a Markdown file with the ground rules (needs --facilitator)")
    create.add_argument(
        "--approval", action="store_true", help="a facilitator approves each join (always so unless public)"
    )
    create.add_argument("--retention-days", type=positive_int, help="delete posts older than this many days")
    create.set_defaults(run=create_circle)
    sub.add_parser("list", help="list local circles").set_defaults(run=list_circles)
    invite = sub.add_parser("invite", help="print a single-use link with which a person joins the circle at once")
    invite.add_argument("slug")
    invite.add_argument("--as", dest="by", required=True, metavar="NAME", help="a facilitator of the circle or admin")
    invite.add_argument("--days", type=positive_int, default=7, help="how long the link works (default 7)")
    invite.add_argument("--note", default="", help="who the invitation is for (kept in the moderation log)")
    invite.set_defaults(run=invite_command)
    circle_privacy.add_commands(sub)


async def create_circle(args) -> int:
    settings = settings_from_args(args)
    plan = CirclePlan(
        slug=args.slug,
        name=args.name,
        description=args.description,
        rules=read_text_file(args.rules_file) if args.rules_file else "",
        visibility=circles.parse_visibility(args.visibility),
        requires_approval=args.approval,
        retention_days=args.retention_days,
    )
    async with database(settings):
        facilitator = await (await get_account(args.facilitator)).actor if args.facilitator else None
        circle = await start_circle(site_for(settings), plan, facilitator, now=Clock().now())
    print(f"created {circle.visibility.value} circle '{circle.slug}' ({settings.instance.base_url}/c/{circle.slug})")
    return 0


async def invite_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        circle = await circles.get_local_circle(args.slug)
        by = await get_account(args.by)
        created = await invite_to_circle(
            circle, by, now=Clock().now(), note=args.note, expires_in=timedelta(days=args.days)
        )
    print(f"invitation to '{circle.slug}', works once for {args.days} days (shown once, send it now):")
    print(f"{settings.instance.base_url}/invite/{created.token}")
    return 0


async def list_circles(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        rows = [
            [
                c.slug,
                c.name,
                c.visibility.value,
                await circles.count_members(c),
                "approval" if c.requires_approval or c.visibility.value != "public" else "open",
                c.retention_days or "-",
                f"v{c.rules_version}" if c.rules_source else "-",
            ]
            for c in await circles.list_local_circles()
        ]
    print_table(["slug", "name", "visibility", "members", "joins", "retention_days", "rules"], rows)
    return 0
