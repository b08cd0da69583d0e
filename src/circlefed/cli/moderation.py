"""CLI: `circlefed moderation log` (export), `rules add|list|remove` (content rules), and cli/review.py's."""

from __future__ import annotations

from datetime import UTC, datetime

from circlefed.cli import review
from circlefed.cli.common import database, positive_int, print_table, settings_from_args
from circlefed.domain import safety_admin
from circlefed.domain.circles import get_local_circle
from circlefed.domain.modlog import export_log
from circlefed.domain.modlog_export import FORMATS, log_rows, render_log
from circlefed.errors import BadRequest


def register(subparsers) -> None:
    parser = subparsers.add_parser("moderation", help="the moderation log and content rules")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    log = sub.add_parser("log", help="export the moderation log (who did what, to what, why, when), oldest first")
    log.add_argument("--circle", metavar="SLUG", help="only this local circle's entries")
    log.add_argument("--since", metavar="DATE", help="only entries from this date (YYYY-MM-DD or ISO 8601, UTC)")
    log.add_argument("--format", choices=FORMATS, default="csv", help="output format (default csv)")
    log.set_defaults(run=log_command)
    rules = sub.add_parser("rules", help="blocked terms and patterns: reject a post or hold it for review")
    rules_sub = rules.add_subparsers(dest="rules_action", required=True, metavar="ACTION")
    add = rules_sub.add_parser("add", help="add a content rule")
    add.add_argument("pattern", help="a term (matched as whole words, any case) or, with --regex, a pattern")
    add.add_argument("--action", required=True, choices=("reject", "hold"), help="refuse the post, or hold it")
    add.add_argument("--regex", action="store_true", help="the pattern is a regular expression")
    add.add_argument("--circle", metavar="SLUG", help="only for this local circle (default: the whole instance)")
    add.set_defaults(run=add_rule_command)
    rules_sub.add_parser("list", help="list content rules").set_defaults(run=list_rules_command)
    remove = rules_sub.add_parser("remove", help="remove a content rule by its number")
    remove.add_argument("id", type=positive_int)
    remove.set_defaults(run=remove_rule_command)
    review.register(sub)


async def log_command(args) -> int:
    settings = settings_from_args(args)
    since = parse_since(args.since) if args.since else None
    async with database(settings):
        circle = await get_local_circle(args.circle) if args.circle else None
        entries = await export_log(circle=circle, since=since)
        rows = log_rows(entries)
    print(render_log(rows, args.format), end="")
    return 0


def parse_since(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"--since: {text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def add_rule_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        circle = await get_local_circle(args.circle) if args.circle else None
        rule = await safety_admin.add_content_rule(args.pattern, args.action, is_regex=args.regex, circle=circle)
    where = f"circle '{args.circle}'" if args.circle else "the whole instance"
    print(f"content rule #{rule.id} added for {where}: {rule.action.value} posts matching it")
    return 0


async def list_rules_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        rows = [
            [rule.id, rule.circle.slug if rule.circle else "(instance)", rule.action.value,
             "regex" if rule.is_regex else "term", rule.pattern]
            for rule in await safety_admin.list_content_rules()
        ]
    print_table(["id", "circle", "action", "kind", "pattern"], rows)
    return 0


async def remove_rule_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        rule = await safety_admin.remove_content_rule(args.id)
    print(f"content rule #{rule.id} removed")
    return 0
