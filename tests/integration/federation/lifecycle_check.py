"""The check after each step of the stateful leak test (issue 14): settle the oracle, read what each instance
stores (which URLs exist, what reached it), crawl what the step may have changed as every viewer it may have
changed it for (lifecycle_plan.py), and list every failure found."""

from __future__ import annotations

import os
import time

from .lifecycle_crawl import Crawl
from .lifecycle_plan import inventory, is_follower_urls, plan
from .lifecycle_secrets import Names
from .lifecycle_snapshot import read_stored
from .lifecycle_world import HOMES

TRACE = os.environ.get("CIRCLEFED_LIFECYCLE_TRACE") == "1"


async def check_world(machine) -> tuple[list[str], int]:
    """(failures, how many requests the crawl made)."""
    world, oracle, change = machine.world, machine.oracle, machine.change
    clock = [time.perf_counter()]

    def lap(what: str) -> None:
        if TRACE:
            now = time.perf_counter()
            print(f"      {what}: {now - clock[0]:.3f}s", flush=True)
            clock[0] = now

    oracle.settle()
    groups = {uri: key for key, uri in machine.groups.items()}
    people = {world.uri_of(person): person for person in world.home_of}
    stored = {}
    for home in HOMES:
        stored[home] = await read_stored(world.instances[home], groups, people, world.seen_inbox.get(home, 0))
        if stored[home].inbox:
            world.seen_inbox[home] = stored[home].inbox[-1][0]
    lap("stored")
    names = Names()
    for home_stored in stored.values():
        for key, labels in home_stored.labels.items():
            names.labels.setdefault(key, set()).update(labels)
    for key, chosen in oracle.chosen.items():
        names.labels.setdefault(key, set()).update(chosen)
    bases = {home: world.base(home) for home in HOMES}
    urls = inventory(stored, bases, {home: world.domain(home) for home in HOMES})
    if not machine.known:  # a new sequence: its circles are asked for as what changed names them, not as new
        machine.known = {(url.home, url.target) for url in urls}
    asked = plan(oracle, urls, change, machine.known, machine.step)
    changed = set(change.viewers) | {f"actor@{oracle.homes[v]}" for v in change.viewers if oracle.homes[v] in HOMES}
    asked += [
        (viewer, url) for viewer, url in is_follower_urls(stored, bases, world.uri_of)
        if url.circle in change.access or viewer in changed
    ]
    machine.known = {(url.home, url.target) for url in urls}
    crawl = Crawl(world, oracle, stored, names, machine.uris)
    crawl.step = machine.step
    lap("plan")
    await crawl.run(asked)
    lap("crawl")
    crawl.check_stored(since=world.seen_recorder)
    world.seen_recorder = len(world.recorder.received)
    crawl.check_members_see()
    crawl.check_names_saved()
    crawl.check_copies_seen(asked)
    lap("stored checks")
    return crawl.failures, crawl.asked


# Each kind of failure is raised from its own line: Hypothesis tells failures apart by where they were raised.
def _content(report: str) -> None:
    raise AssertionError(report)


def _names(report: str) -> None:
    raise AssertionError(report)


def _reasons(report: str) -> None:
    raise AssertionError(report)


def _hidden(report: str) -> None:
    raise AssertionError(report)


def _stored(report: str) -> None:
    raise AssertionError(report)


def _members(report: str) -> None:
    raise AssertionError(report)


KINDS = (
    ("marker of a row", _content), ("reason of", _reasons), ("handle of", _names), ("pseudonym or chosen", _names),
    ("can tell", _hidden), ("stores", _stored), ("does not see", _members),
)


def fail(report: str, failures: list[str]) -> None:
    # Printed as it happened: hypothesis reports a failure by running it again, in a world that has moved on.
    print(f"LEAK {report}", flush=True)
    for words, raise_it in KINDS:
        if words in failures[0]:
            raise_it(report)
    raise AssertionError(report)
