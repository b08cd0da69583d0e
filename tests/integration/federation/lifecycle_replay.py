"""Replaying steps of the stateful leak test (issue 14) outside hypothesis, for the regression tests that keep
every sequence it ever found: `replay("members", "public", "public")` makes the circles; each `do_*` call is a
step followed by the same settling and check as in the machine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

from .lifecycle_machine import LifecycleMachine
from .lifecycle_world import Databases, World, open_world


class Replay:
    def __init__(self, machine: LifecycleMachine) -> None:
        self.machine = machine

    def __getattr__(self, name: str):
        step = getattr(self.machine, name)

        def run(*args):
            step(*args)
            self.machine.check()

        return run


def opened_world(database_templates: dict[str, str], directory) -> Iterator[World]:
    """Three instances (on SQLite) on their own event loop, shared by a module's regression tests."""
    loop = asyncio.new_event_loop()
    world = loop.run_until_complete(open_world(Databases("sqlite", database_templates, directory), loop))
    try:
        yield world
    finally:
        loop.run_until_complete(world.close())
        loop.close()


def replays(world: World) -> Iterator[Callable[[str, str, str], Replay]]:
    """A factory of replays for one test; their circles are removed afterwards (conftest's `replay`)."""
    made: list[LifecycleMachine] = []

    def start(x1: str, x2: str, y1: str) -> Replay:
        machine = LifecycleMachine(world)
        made.append(machine)
        steps = Replay(machine)
        steps.do_circles(x1, x2, y1)
        return steps

    try:
        yield start
    finally:
        for machine in made:
            machine.teardown()
