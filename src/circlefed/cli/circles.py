"""CLI: `circlefed circles create|list` (and the confidentiality commands of cli/circle_privacy.py)."""

from __future__ import annotations

from circlefed.cli import circle_privacy
from circlefed.cli.common import database, print_table, settings_from_args, site_for
from circlefed.domain import circles
from circlefed.domain.accounts import get_account


def register(subparsers) -> None:
    parser = subparsers.add_parser("circles", help="manage local circles")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser("create", help="create a circle")
    create.add_argument("slug", help="short name used in URLs and handles, e.g. grief_support")
    create.add_argument("--name", required=True, help="display name of the circle")
    create.add_argument("--visibility", default="public", help="public, members or local (default public)")
    create.add_argument("--description", default="", help="one-line description")
    create.add_argument("--facilitator", help="username of the first facilitator")
    create.set_defaults(run=create_circle)
    sub.add_parser("list", help="list local circles").set_defaults(run=list_circles)
    circle_privacy.add_commands(sub)


async def create_circle(args) -> int:
    settings = settings_from_args(args)
    visibility = circles.parse_visibility(args.visibility)
    async with database(settings):
        facilitator = (await get_account(args.facilitator)).actor if args.facilitator else None
        if facilitator is not None:
            facilitator = await facilitator
        circle = await circles.create_circle(
            site_for(settings),
            args.slug,
            args.name,
            visibility=visibility,
            description=args.description,
            facilitator=facilitator,
        )
    print(
        f"created {circle.visibility.value} circle '{circle.slug}' ({settings.instance.base_url}/c/{circle.slug})"
    )
    return 0


async def list_circles(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        rows = [
            [c.slug, c.name, c.visibility.value, await circles.count_members(c)]
            for c in await circles.list_local_circles()
        ]
    print_table(["slug", "name", "visibility", "members"], rows)
    return 0
