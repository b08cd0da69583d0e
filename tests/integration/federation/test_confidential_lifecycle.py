"""Stateful leak test (issue 14): circles change over their whole life (joins, approvals, bans, visibility changes,
names, trust, real names, posts, edits, moderation) across three real instances on loopback with real signed HTTP
and a recording peer; after every step the oracle (written from issue 14's confidentiality semantics) says who may
see what, and a crawl of every page and document, as every viewer, must show nothing to anyone it excludes.

CIRCLEFED_LIFECYCLE_SEQUENCES sets the number of sequences on SQLite (default 50, the CI floor; `make leakhunt`
runs 2,000), run as two parts with their own three instances each, so that `make test` and `make leakhunt` can run
one part in each of two processes (the keyword `second_part` names the second), half of the sequences each
(CIRCLEFED_LIFECYCLE_SEQUENCES_PER_PART=N gives each part N instead, as `make leakhunt` does);
CIRCLEFED_LIFECYCLE_SEQUENCES_POSTGRES sets the number on PostgreSQL (default 3: the same steps over the other
backend's queries); CIRCLEFED_LIFECYCLE_STEPS the
steps per sequence (default 25); CIRCLEFED_LIFECYCLE_TRACE=1 prints each step and what its check asked. A failure
lists the steps as `do_*` calls: test_confidential_lifecycle_regressions.py keeps each sequence ever found."""

from __future__ import annotations

import asyncio
import os

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.conftest import POSTGRES_URL
from tests.untraced import coverage_paused

from .lifecycle_machine import LifecycleMachine
from .lifecycle_world import Databases, open_world

pytestmark = [pytest.mark.storage, pytest.mark.slow]
NO_POSTGRES = "CIRCLEFED_TEST_DATABASE_URL is not set: the PostgreSQL run needs a server"
SEQUENCES = int(os.environ.get("CIRCLEFED_LIFECYCLE_SEQUENCES", "36"))
POSTGRES_SEQUENCES = int(os.environ.get("CIRCLEFED_LIFECYCLE_SEQUENCES_POSTGRES", "3"))
PER_PART = int(os.environ.get("CIRCLEFED_LIFECYCLE_SEQUENCES_PER_PART", "0"))
STEPS = int(os.environ.get("CIRCLEFED_LIFECYCLE_STEPS", "25"))


def run_machine(backend: str, templates: dict[str, str], directory, sequences: int) -> None:
    """Three instances for the whole run (each sequence makes its own circles and removes them at the end)."""
    with coverage_paused():
        _run_machine(backend, templates, directory, sequences)


def _run_machine(backend: str, templates: dict[str, str], directory, sequences: int) -> None:
    loop = asyncio.new_event_loop()
    databases = Databases(backend, templates, directory)
    world = None
    try:
        world = loop.run_until_complete(open_world(databases, loop))
        run_state_machine_as_test(
            lambda: LifecycleMachine(world),
            # The three instances live through every sequence (starting them per sequence would cost minutes), so
            # a sequence replayed later, from the example database or while shrinking, meets another world than
            # the one it was drawn in: only fresh sequences are run, and a failure reports its steps as they
            # happened (lifecycle_check.fail), ready to keep as a regression test.
            settings=settings(
                max_examples=sequences, stateful_step_count=STEPS, deadline=None, database=None,
                phases=(Phase.generate,), suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        if world is not None:
            loop.run_until_complete(world.close())
        loop.run_until_complete(databases.drop())
        loop.close()


@pytest.mark.parametrize("part", [1, 2], ids=["first_part", "second_part"])
def test_no_step_of_a_circles_life_leaks_anything_on_sqlite(part, database_templates, tmp_path):
    first = PER_PART or (SEQUENCES + 1) // 2
    run_machine("sqlite", database_templates, tmp_path, first if part == 1 else PER_PART or SEQUENCES - first)


@pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)
def test_no_step_of_a_circles_life_leaks_anything_on_postgresql(database_templates, tmp_path):
    run_machine("postgres", database_templates, tmp_path, POSTGRES_SEQUENCES)
