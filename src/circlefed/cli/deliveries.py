"""CLI: `circlefed deliveries list|retry|purge`: look at and act on the outgoing delivery queue."""

from __future__ import annotations

from circlefed.cli.common import database, positive_int, print_table, settings_from_args
from circlefed.clock import Clock
from circlefed.delivery import admin


def register(subparsers) -> None:
    deliveries = subparsers.add_parser("deliveries", help="inspect and act on outgoing deliveries")
    sub = deliveries.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="list deliveries, newest first")
    listing.add_argument("--state", help="only this state (pending, sending, retry_wait, delivered, failed, ...)")
    listing.add_argument("--domain", help="only deliveries to this domain")
    listing.add_argument("--limit", type=positive_int, default=100, help="at most this many rows (default 100)")
    listing.set_defaults(run=list_command)
    retry = sub.add_parser("retry", help="requeue failed deliveries and make waiting ones due now")
    target = retry.add_mutually_exclusive_group(required=True)
    target.add_argument("--id", type=positive_int, help="one delivery")
    target.add_argument("--domain", help="every failed or waiting delivery to this domain (resets its backoff)")
    retry.set_defaults(run=retry_command)
    purge = sub.add_parser("purge", help="delete finished deliveries older than an age")
    purge.add_argument("--state", required=True, help="delivered, failed, gone, cancelled or rejected")
    purge.add_argument("--older-than", required=True, metavar="AGE", help='for example "30d" or "12h"')
    purge.set_defaults(run=purge_command)


async def list_command(args) -> int:
    settings = settings_from_args(args)
    state = admin.parse_state(args.state) if args.state else None
    async with database(settings):
        rows = [
            [
                d.id,
                d.state.value,
                d.domain,
                d.inbox_uri,
                d.activity.type,
                d.attempts,
                d.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S") if d.state.value == "retry_wait" else "",
                d.last_status or "",
                (d.last_error or "")[:60],
            ]
            for d in await admin.list_deliveries(state=state, domain=args.domain, limit=args.limit)
        ]
    print_table(["id", "state", "domain", "inbox", "activity", "attempts", "next", "status", "error"], rows)
    return 0


async def retry_command(args) -> int:
    settings = settings_from_args(args)
    now = Clock().now()
    async with database(settings):
        if args.id is not None:
            delivery = await admin.retry_delivery(args.id, now=now)
            print(f"delivery {delivery.id} to {delivery.inbox_uri} is due now ({delivery.state.value})")
        else:
            count = await admin.retry_domain(args.domain, now=now)
            print(f"requeued {count} deliveries to {args.domain.strip().lower()}; its backoff is reset")
    return 0


async def purge_command(args) -> int:
    settings = settings_from_args(args)
    state = admin.parse_state(args.state)
    age = admin.parse_age(args.older_than)
    async with database(settings):
        count = await admin.purge(state, older_than=age, now=Clock().now())
    print(f"purged {count} {state.value} deliveries older than {args.older_than.strip()}")
    return 0
