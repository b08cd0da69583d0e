"""CLI: `circlefed keys rotate NAME`: a new signing key for a member, a circle or the instance actor."""

from __future__ import annotations

from circlefed.cli.common import EXIT_ERROR, database, fail, settings_from_args, site_for
from circlefed.clock import Clock
from circlefed.federation.outbound.keys_out import rotate_key
from circlefed.storage.models import Actor


def register(subparsers) -> None:
    parser = subparsers.add_parser("keys", help="signing keys of this instance's actors")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    rotate = sub.add_parser("rotate", help="replace an actor's key pair and tell the instances that know it")
    rotate.add_argument("name", help="a member's username, a circle's slug, or `actor` for the instance actor")
    rotate.set_defaults(run=rotate_command)


async def rotate_command(args) -> int:
    settings = settings_from_args(args)
    site = site_for(settings)
    async with database(settings):
        actor = await Actor.get_or_none(local_name=args.name.removeprefix("@"), is_local=True)
        if actor is None:
            return fail(f"no member, circle or instance actor here is named '{args.name}'", EXIT_ERROR)
        told = await rotate_key(site, actor, now=Clock().now())
    print(f"new key for {actor.uri}; {len(told)} inbox(es) will receive the Update (others fetch it when they"
          " next verify a signature)")
    return 0
