"""Fixtures for federation tests: circlefed instances on their own loopback ports, fake remote servers, and a
hosted public circle that real payload shapes (tests/fixtures/activities/) are sent to."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from circlefed.app import create_app
from circlefed.clock import Clock
from circlefed.storage.db import activated
from circlefed.web.keys import DATABASE
from tests.conftest import settings_for
from tests.fakes.remote import FakeRemote, reserved_socket, server_on

from .fixtures import host_grief, join_by_fixture


@dataclass
class RunningInstance:
    app: web.Application
    server: TestServer
    base_url: str
    domain: str

    def db(self):
        """Bind the ORM to this instance's database (use as `with instance.db():`)."""
        return activated(self.app[DATABASE])


LAB = {"allow_http": True, "private_address_allowlist": ["127.0.0.1"]}


@pytest.fixture
async def start_instance(make_database_url) -> AsyncIterator[Callable]:
    """Factory: a real circlefed instance served on 127.0.0.1:<own port> (its domain), on a fresh database."""
    running: list[RunningInstance] = []

    async def start(clock: Clock | None = None, **sections) -> RunningInstance:
        sock = reserved_socket()
        port = sock.getsockname()[1]
        base_url = f"http://127.0.0.1:{port}"
        federation = {**LAB, **sections.pop("federation", {})}
        settings = settings_for(await make_database_url(), base_url=base_url, federation=federation, **sections)
        app = create_app(settings, clock=clock)
        server = server_on(app, sock)
        await server.start_server()
        instance = RunningInstance(app, server, base_url, f"127.0.0.1:{port}")
        running.append(instance)
        return instance

    yield start
    for instance in reversed(running):
        await instance.server.close()


@pytest.fixture(scope="module")
def lifecycle_world(database_templates, tmp_path_factory):
    """The stateful leak test's three instances and recording peer, shared by a module (lifecycle_world.py)."""
    from .lifecycle_replay import opened_world

    yield from opened_world(database_templates, tmp_path_factory.mktemp("lifecycle"))


@pytest.fixture
def replay(lifecycle_world):
    """Steps of the stateful leak test replayed outside hypothesis (lifecycle_replay.py): the regression tests."""
    from .lifecycle_replay import replays

    yield from replays(lifecycle_world)


@pytest.fixture
async def remote() -> AsyncIterator[FakeRemote]:
    server = await FakeRemote().start()
    yield server
    await server.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(scope="session")
def big_public_key_pem() -> str:
    """An RSA-8192 public key (generated once, stored as a fixture): too big to verify cheaply (attack 22)."""
    from pathlib import Path

    return (Path(__file__).resolve().parents[2] / "fixtures" / "keys" / "rsa8192-public.pem").read_text()


@pytest.fixture
async def hosted(start_instance):
    """host_grief with the default settings."""
    return await host_grief(start_instance)


@pytest.fixture
async def watcher(hosted, http):
    """Another server with a member in the circle: it receives what the Group relays (the author's own server
    does not: it has what it sent)."""
    server = await FakeRemote().start()
    await join_by_fixture(hosted, http, server, server.add_actor("watcher"), "mastodon_follow_1")
    server.received.clear()  # the Accept
    yield server
    await server.close()
