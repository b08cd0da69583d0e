"""CLI: `circlefed policy show|crisis-resources|hold-first-posts|forward-reports`: the admin's safety knobs."""

from __future__ import annotations

from circlefed.cli.common import database, read_text_file, settings_from_args
from circlefed.domain import safety_admin
from circlefed.domain.instance_policy import read_instance_policy

SWITCH_COMMANDS = {
    "hold-first-posts": (
        "hold_first_posts", "hold the first post of every new or remote account for a facilitator's review"
    ),
    "forward-reports": (
        "forward_reports_to_author_instance", "also send reports to the reported author's home instance"
    ),
}


def register(subparsers) -> None:
    parser = subparsers.add_parser("policy", help="this instance's safety policy (crisis resources, holds, reports)")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    sub.add_parser("show", help="print the safety policy").set_defaults(run=show_command)
    crisis = sub.add_parser("crisis-resources", help="print or set the text shown to a poster in crisis")
    given = crisis.add_mutually_exclusive_group()
    given.add_argument("--text", help="the text, e.g. local hotline numbers (plain text)")
    given.add_argument("--file", help="read the text from a UTF-8 file")
    given.add_argument("--clear", action="store_true", help="show nothing")
    crisis.set_defaults(run=crisis_command)
    for name, (_, help_text) in SWITCH_COMMANDS.items():
        switch = sub.add_parser(name, help=help_text)
        switch.add_argument("state", choices=("on", "off"))
        switch.set_defaults(run=switch_command, switch_name=name)


async def show_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        row = await read_instance_policy()
    print(f"hold-first-posts: {'on' if row.hold_first_posts else 'off'}")
    print(f"forward-reports: {'on' if row.forward_reports_to_author_instance else 'off'}")
    print("crisis-resources:" + (f"\n{row.crisis_resources}" if row.crisis_resources else " (none)"))
    return 0


async def crisis_command(args) -> int:
    settings = settings_from_args(args)
    text = read_text_file(args.file) if args.file else "" if args.clear else args.text
    async with database(settings):
        if text is None:
            current = (await read_instance_policy()).crisis_resources
            print(current or "(no crisis resources text: set one with --text or --file)")
            return 0
        await safety_admin.set_crisis_resources(text)
    print("crisis resources text cleared" if not text.strip() else "crisis resources text set")
    return 0


async def switch_command(args) -> int:
    settings = settings_from_args(args)
    field, _ = SWITCH_COMMANDS[args.switch_name]
    async with database(settings):
        await safety_admin.set_switch(field, args.state == "on")
    print(f"{args.switch_name} is now {args.state}")
    return 0
