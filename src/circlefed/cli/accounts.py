"""CLI: `circlefed users create|list|disable`."""

from __future__ import annotations

import sys

from circlefed.cli.common import database, print_table, settings_from_args, site_for
from circlefed.clock import Clock
from circlefed.domain import accounts, password_resets
from circlefed.domain.passwords import random_password


def register(subparsers) -> None:
    users = subparsers.add_parser("users", help="manage local member accounts")
    sub = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser(
        "create", help="create an account (prints a random password unless --password-stdin)"
    )
    create.add_argument("name", help="username: 2-30 lowercase letters, digits or underscores")
    create.add_argument("--admin", action="store_true", help="make the account an instance admin")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    create.set_defaults(run=create_user)
    sub.add_parser("list", help="list accounts").set_defaults(run=list_users)
    disable = sub.add_parser("disable", help="disable an account (it can no longer log in)")
    disable.add_argument("name")
    disable.set_defaults(run=disable_user)
    reset = sub.add_parser(
        "reset-password", help="print a one-time link (24 hours) with which the member sets a new password"
    )
    reset.add_argument("name")
    reset.set_defaults(run=reset_password_command)
    enable = sub.add_parser("enable", help="enable a disabled account (it can log in again)")
    enable.add_argument("name")
    enable.set_defaults(run=enable_user)


async def create_user(args) -> int:
    settings = settings_from_args(args)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        generated = False
    else:
        password, generated = random_password(), True
    async with database(settings):
        account = await accounts.create_account(site_for(settings), args.name, password, is_admin=args.admin)
    role = "admin" if account.is_admin else "member"
    print(f"created {role} account '{account.username}' ({settings.instance.base_url}/u/{account.username})")
    if generated:
        print(f"password (shown once, store it now): {password}")
    return 0


async def list_users(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        rows = [
            [
                a.username,
                "admin" if a.is_admin else "member",
                "disabled" if a.is_disabled else "active",
                a.created_at.strftime("%Y-%m-%d"),
            ]
            for a in await accounts.list_accounts()
        ]
    print_table(["name", "role", "status", "created"], rows)
    return 0


async def disable_user(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        await accounts.disable_account(args.name)
    print(f"disabled account '{args.name}'")
    return 0


async def enable_user(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        await accounts.enable_account(args.name)
    print(f"enabled account '{args.name}': it can log in again")
    return 0


async def reset_password_command(args) -> int:
    settings = settings_from_args(args)
    async with database(settings):
        account = await accounts.get_account(args.name)
        token = await password_resets.issue_reset(account, now=Clock().now())
    print(f"give {account.username} this link to set a new password (once, within 24 hours; earlier links stop "
          f"working):\n{settings.instance.base_url}/reset/{token}")
    return 0
