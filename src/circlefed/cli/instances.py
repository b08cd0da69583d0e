"""CLI: `circlefed federation mode` and `circlefed instances allow|block|silence|clear|list|import|export`."""

from __future__ import annotations

from pathlib import Path

from circlefed.cli.common import database, print_table, read_text_file, settings_from_args, warn
from circlefed.clock import Clock
from circlefed.domain import federation_policy
from circlefed.domain.policy_guards import policy_conflicts
from circlefed.errors import BadRequest
from circlefed.federation.domain_gate import CancelRefused
from circlefed.policy.domains import FEDERATION_MODES

RULE_COMMANDS = {
    "allow": ("allow", "list a domain (allowlist mode federates only with listed domains)", "allowed"),
    "block": ("block", "refuse everything from and to a domain; its queued deliveries are cancelled", "blocked"),
    "silence": ("silence", "hold a domain's content for review and keep it out of public listings", "silenced"),
    "reject-media": ("reject_media", "drop media and attachments from a domain", "rejecting media from"),
}


def register(subparsers) -> None:
    federation = subparsers.add_parser("federation", help="this instance's federation policy")
    fed_sub = federation.add_subparsers(dest="action", required=True, metavar="ACTION")
    mode = fed_sub.add_parser("mode", help="print the federation mode, or set it: open, allowlist or closed")
    modes = ", ".join(FEDERATION_MODES)
    mode.add_argument("mode", nargs="?", help=f"the new mode: {modes} (omit to print the current one)")
    mode.set_defaults(run=mode_command)
    instances = subparsers.add_parser("instances", help="rules for remote instances (domains)")
    sub = instances.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, (_, help_text, _) in RULE_COMMANDS.items():
        rule = sub.add_parser(name, help=help_text)
        rule.add_argument("domain", help="host or host:port, e.g. other.example; covers its subdomains")
        rule.add_argument("--reason", default="", help="why (shown in `instances list` and exported)")
        rule.set_defaults(run=rule_command, command_name=name)
    clear = sub.add_parser("clear", help="remove a domain's rule")
    clear.add_argument("domain")
    clear.set_defaults(run=clear_command)
    sub.add_parser("list", help="list domain rules").set_defaults(run=list_command)
    importing = sub.add_parser("import", help="import rules from a Mastodon domain-block CSV")
    importing.add_argument("file")
    importing.set_defaults(run=import_command)
    exporting = sub.add_parser("export", help="export rules as a Mastodon domain-block CSV")
    exporting.add_argument("file")
    exporting.set_defaults(run=export_command)


class _CancelCounter(CancelRefused):
    """The enforcement step, with the command's note about what it cancelled."""

    def report(self) -> str:
        return f"; cancelled {self.cancelled} queued deliveries" if self.cancelled else ""


async def mode_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        if args.mode is None:
            print(await federation_policy.get_mode())
            return 0
        enforce = _CancelCounter()
        await federation_policy.set_mode(args.mode, now=Clock().now(), enforce=enforce)
        conflicts = await policy_conflicts()
    print(f"federation mode is now {args.mode}{enforce.report()}")
    warn(conflicts)
    return 0


async def rule_command(args) -> int:
    settings = settings_from_args(args)
    action, _, verb = RULE_COMMANDS[args.command_name]
    enforce = _CancelCounter()
    async with database(settings):
        change = await federation_policy.set_rule(
            args.domain, action, reason=args.reason, now=Clock().now(), enforce=enforce
        )
        conflicts = await policy_conflicts()
    replaced = change.replaced_text()
    print(f"{verb} {change.rule.domain}{'; ' + replaced if replaced else ''}{enforce.report()}")
    warn(conflicts)
    return 0


async def clear_command(args) -> int:
    settings = settings_from_args(args)
    enforce = _CancelCounter()
    async with database(settings):
        rule = await federation_policy.clear_rule(args.domain, now=Clock().now(), enforce=enforce)
    print(f"cleared the {rule.action.value} rule for {rule.domain}{enforce.report()}")
    return 0


async def list_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        rows = [
            [rule.domain, rule.action.value, rule.updated_at.strftime("%Y-%m-%d"), rule.reason]
            for rule in await federation_policy.list_rules()
        ]
    print_table(["domain", "action", "updated", "reason"], rows)
    return 0


async def import_command(args) -> int:
    settings = settings_from_args(args)
    text = read_text_file(args.file)
    enforce = _CancelCounter()
    async with database(settings):
        report = await federation_policy.import_rules(text, now=Clock().now(), enforce=enforce)
    print(f"imported {args.file}: {report.added} added, {report.updated} updated, {report.unchanged} unchanged"
          f"{enforce.report()}")
    for line in report.skipped:
        print(f"skipped {line}")
    return 0


async def export_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        text, left_out = await federation_policy.export_rules()
    try:
        Path(args.file).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadRequest(f"cannot write {args.file}: {exc.strerror}") from None
    print(f"exported {len(text.splitlines()) - 1} rules to {args.file}")
    if left_out:
        print(f"left out {len(left_out)} allowed domains (Mastodon's format has no allow severity): "
              f"{', '.join(left_out)}")
    return 0
