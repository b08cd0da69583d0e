"""CLI: `circlefed trusted add|remove|list` and `circlefed confidentiality show|real-names|untrusted-software`."""

from __future__ import annotations

from circlefed.cli.common import database, print_table, settings_from_args, warn
from circlefed.clock import Clock
from circlefed.domain import confidentiality
from circlefed.domain.policy_guards import policy_conflicts
from circlefed.netguard import Allowlist
from circlefed.services import trust
from circlefed.storage.models import Instance


def register(subparsers) -> None:
    trusted = subparsers.add_parser("trusted", help="partner instances trusted with members circles")
    sub = trusted.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="trust an instance with members circles")
    add.add_argument("domain", help="host or host:port, e.g. partner.example")
    add.add_argument("--note", default="", help="why (e.g. the agreement), shown in `trusted list`")
    add.set_defaults(run=trust_command)
    remove = sub.add_parser("remove", help="stop trusting an instance (its queued deliveries are cancelled)")
    remove.add_argument("domain")
    remove.set_defaults(run=distrust_command)
    sub.add_parser("list", help="list trusted instances").set_defaults(run=list_command)
    policy = subparsers.add_parser("confidentiality", help="this instance's confidentiality policy")
    policy_sub = policy.add_subparsers(dest="action", required=True, metavar="ACTION")
    policy_sub.add_parser("show", help="print the policy").set_defaults(run=show_command)
    names = policy_sub.add_parser("real-names", help="show members' own names to other instances (on/off)")
    names.add_argument("value", help="on or off (off: per-circle pseudonyms, the default)")
    names.set_defaults(run=real_names_command)
    software = policy_sub.add_parser(
        "untrusted-software", help="let members circles reach software that does not honour privacy (on/off)"
    )
    software.add_argument("value", help="on or off (the default)")
    software.set_defaults(run=untrusted_software_command)


async def trust_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        addresses = Allowlist(settings.federation.private_address_allowlist)
        row = await confidentiality.trust_instance(args.domain, note=args.note, addresses=addresses)
        instance = await Instance.get_or_none(domain=row.domain)
        conflicts = await policy_conflicts()
    print(f"trusted {row.domain}: members circles federate to it where it hosts an approved member")
    warn(conflicts)
    if instance is None or instance.software is None:
        print(
            "its software is not known yet: members circles reach it once its NodeInfo has been read "
            "(when its members are first seen)"
        )
    return 0


async def distrust_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        row, cancelled = await trust.distrust_instance(args.domain, Clock().now())
    print(f"{row.domain} is no longer trusted" + (f"; cancelled {cancelled} queued deliveries" if cancelled else ""))
    return 0


async def list_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        rows = [
            [row.domain, software or "unknown", row.created_at.strftime("%Y-%m-%d"), row.note]
            for row, software in await confidentiality.list_trusted_with_software()
        ]
    print_table(["domain", "software", "since", "note"], rows)
    return 0


async def show_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        policy = await confidentiality.load_confidentiality_policy()
    print(f"real names shown to other instances: {'on' if policy.share_real_names else 'off (pseudonyms)'}")
    print(f"members circles to untrusted software: {'on' if policy.members_to_untrusted_software else 'off'}")
    print(f"trusted instances: {', '.join(sorted(policy.trusted_domains)) or 'none'}")
    print(f"facilitators may choose: {', '.join(settings.confidentiality.facilitator_visibilities) or 'nothing'}")
    return 0


async def real_names_command(args) -> int:
    settings = settings_from_args(args)
    value = confidentiality.parse_switch(args.value)
    async with database(settings):
        await confidentiality.set_share_real_names(value)
    print("other instances now see members' own names" if value else "other instances now see per-circle pseudonyms")
    return 0


async def untrusted_software_command(args) -> int:
    settings = settings_from_args(args)
    value = confidentiality.parse_switch(args.value)
    async with database(settings):
        cancelled = await trust.allow_untrusted_software(value, Clock().now())
    state = "may now reach" if value else "no longer reach"
    print(
        f"members circles {state} trusted instances running software that does not honour privacy"
        + (f"; cancelled {cancelled} queued deliveries" if cancelled else "")
    )
    return 0
