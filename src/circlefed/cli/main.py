"""CLI: the `circlefed` entry point: parses arguments, runs a command, maps errors to exit statuses."""

from __future__ import annotations

import argparse
import asyncio
import sys

from circlefed import __version__
from circlefed.cli import (
    accounts,
    backup,
    circles,
    confidentiality,
    deliveries,
    instances,
    keys,
    migrate,
    moderation,
    policy,
    seed,
    serve,
    worker,
)
from circlefed.cli.common import EXIT_CONFIG, EXIT_ERROR, fail
from circlefed.errors import CirclefedError, ConfigError
from circlefed.log import configure_logging

COMMAND_MODULES = (
    serve, migrate, accounts, circles, worker, deliveries, instances, confidentiality, moderation, policy, backup, keys,
    seed,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="circlefed", description="A federated forum server for peer-support circles."
    )
    parser.add_argument("--version", action="version", version=f"circlefed {__version__}")
    config_help = "settings file (default: ./circlefed.toml when present, else defaults + env)"
    # --config before the command (`circlefed --config F circles list`) or after it (`circlefed circles list
    # --config F`): the command's copy has no default of its own, so it never erases the one given before.
    parser.add_argument("--config", metavar="FILE", help=config_help)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=config_help)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    subparsers_with_config = _SubparsersWithParent(subparsers, common)
    for module in COMMAND_MODULES:
        module.register(subparsers_with_config)
    return parser


class _SubparsersWithParent:
    """Adds the common options (--config) to every command and sub-command."""

    def __init__(self, subparsers, parent: argparse.ArgumentParser) -> None:
        self._subparsers = subparsers
        self._parent = parent

    def add_parser(self, name: str, **kwargs):
        parser = self._subparsers.add_parser(name, parents=[self._parent], **kwargs)
        original = parser.add_subparsers

        def add_subparsers(**sub_kwargs):
            return _SubparsersWithParent(original(**sub_kwargs), self._parent)

        parser.add_subparsers = add_subparsers
        return parser


def main(argv: list[str] | None = None) -> int:
    configure_logging("WARNING")
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "sync", False):
            return args.run(args)
        return asyncio.run(args.run(args))
    except ConfigError as exc:
        return fail(f"configuration: {exc}", EXIT_CONFIG)
    except CirclefedError as exc:
        return fail(str(exc), EXIT_ERROR)
    except KeyboardInterrupt:
        return fail("interrupted", 130)


def entry_point() -> None:
    sys.exit(main())
