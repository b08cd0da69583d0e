"""CLI: `circlefed migrate`, `circlefed setup` (first run) and `circlefed makemigrations` (development)."""

from __future__ import annotations

from tortoise.context import get_current_context

from circlefed.cli.common import database, settings_from_args, site_for
from circlefed.domain.bootstrap import bootstrap_new_instance
from circlefed.domain.instance_policy import read_instance_policy
from circlefed.storage.db import apply_migrations, pending_model_changes

CRISIS_RESOURCES_PROMPT = """
next step: add your crisis resources. When a post sounds like a crisis, its author is shown this text at once:
the hotlines and services of your area (phone numbers and web addresses become links). Until you set it they
only see a line asking them to call their local emergency number. Set it on /admin/settings, or with
  circlefed policy crisis-resources --text "In the UK call Samaritans on 116 123, any time.\""""


def register(subparsers) -> None:
    subparsers.add_parser("migrate", help="apply pending database migrations").set_defaults(run=migrate)
    subparsers.add_parser(
        "setup", help="migrate; on a new database also create the first admin and a sample circle"
    ).set_defaults(run=setup)
    make = subparsers.add_parser("makemigrations", help="(development) write a migration for model changes")
    make.add_argument("--name", default=None, help="name of the new migration")
    make.set_defaults(run=makemigrations)


async def migrate(args) -> int:
    settings = settings_from_args(args)
    async with database(settings, migrated=False):
        applied = await apply_migrations(get_current_context())
    print(
        f"applied {len(applied)} migration(s){': ' + ', '.join(applied) if applied else ''}; database is up to date"
    )
    return 0


async def setup(args) -> int:
    settings = settings_from_args(args)
    async with database(settings, migrated=False):
        applied = await apply_migrations(get_current_context())
        if applied:
            print(f"applied {len(applied)} migration(s)")
        created = await bootstrap_new_instance(site_for(settings))
        resources_set = bool((await read_instance_policy()).crisis_resources)
    if created is None:
        print("existing database: nothing to set up")
    else:
        print(f"created sample circle '{created.circle_slug}' ({settings.instance.base_url}/c/{created.circle_slug})")
    if not resources_set:
        print(CRISIS_RESOURCES_PROMPT)
    if created is not None:
        print(password_box(created.admin_name, created.admin_password, settings.instance.base_url))
    return 0


def password_box(name: str, password: str, base_url: str) -> str:
    """The first admin's one-time password, last and framed, so that it is not lost among other lines."""
    lines = [
        f"created admin account '{name}': sign in at {base_url}/login",
        f"admin password (shown once, store it now): {password}",
    ]
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join(["", rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


async def makemigrations(args) -> int:
    settings = settings_from_args(args)
    async with database(settings, migrated=False):
        writers = await pending_model_changes(get_current_context())
    if not writers:
        print("no model changes")
        return 0
    for writer in writers:
        if args.name:
            number = writer.name.split("_", 1)[0]
            writer.name = f"{number}_{args.name}"
        print(f"wrote {writer.write()}")
    return 0
