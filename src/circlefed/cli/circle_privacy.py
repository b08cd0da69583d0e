"""CLI: `circlefed circles set-visibility|set-retention|expire|refederate-deletes`: confidential circles."""

from __future__ import annotations

from circlefed.cli.common import database, settings_from_args, site_for
from circlefed.clock import Clock
from circlefed.domain import circles, confidentiality
from circlefed.domain.accounts import get_account
from circlefed.federation.outbound.withdraw import refederate_deletes
from circlefed.federation.retention_job import RetentionJob
from circlefed.services.circle_settings import change_level
from circlefed.storage.models import Visibility

MORE_PRIVATE = {
    (Visibility.PUBLIC, Visibility.MEMBERS),
    (Visibility.PUBLIC, Visibility.LOCAL),
    (Visibility.MEMBERS, Visibility.LOCAL),
}


def add_commands(sub) -> None:
    visibility = sub.add_parser("set-visibility", help="change who can see a circle: public, members or local")
    visibility.add_argument("slug")
    visibility.add_argument("visibility", help="public, members or local")
    visibility.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help="make the change as this facilitator (limited to confidentiality.facilitator_visibilities)",
    )
    visibility.set_defaults(run=set_visibility_command)
    retention = sub.add_parser("set-retention", help="delete a circle's posts after DAYS days (or 'none')")
    retention.add_argument("slug")
    retention.add_argument("days", help="a number of days, or none to keep posts")
    retention.set_defaults(run=set_retention_command)
    sub.add_parser("expire", help="run the retention job once now").set_defaults(run=expire_command)
    refederate = sub.add_parser(
        "refederate-deletes", help="ask other instances to delete copies of a circle's posts they should not hold"
    )
    refederate.add_argument("slug")
    refederate.set_defaults(run=refederate_command)


async def set_visibility_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        circle = await circles.get_local_circle(args.slug)
        by = await (await get_account(args.as_user)).actor if args.as_user else None
        change = await change_level(
            site_for(settings), circle, args.visibility, by,
            facilitator_choices=settings.confidentiality.facilitator_visibilities, now=Clock().now(),
        )
        changed, cancelled = change.changed, change.cancelled
    if changed is None:
        print(f"circle '{circle.slug}' is already {circle.visibility.value}")
        return 0
    print(
        f"circle '{circle.slug}' is now {changed.after.value} (was {changed.before.value})"
        + (f"; cancelled {cancelled} queued deliveries" if cancelled else "")
    )
    if (changed.before, changed.after) in MORE_PRIVATE:
        print(
            f"other instances may still hold copies of its posts: run "
            f"`circlefed circles refederate-deletes {circle.slug}` to ask them to delete them"
        )
    return 0


async def set_retention_command(args) -> int:
    settings = settings_from_args(args)
    days = confidentiality.parse_retention(args.days)
    async with database(settings):
        circle = await confidentiality.set_retention(await circles.get_local_circle(args.slug), days)
    kept = f"deleted after {days} days" if days is not None else "kept until deleted"
    print(f"posts of circle '{circle.slug}' are now {kept}")
    return 0


async def expire_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        total = await RetentionJob(site_for(settings), Clock()).run_once()
    print(f"expired {total} posts")
    return 0


async def refederate_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        circle = await circles.get_local_circle(args.slug)
        result = await refederate_deletes(site_for(settings), circle, now=Clock().now())
    print(f"queued Deletes for {result.objects} posts ({result.deliveries} deliveries); the worker sends them")
    return 0
