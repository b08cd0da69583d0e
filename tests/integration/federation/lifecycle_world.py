"""Test world of the stateful leak test (issue 14): three circlefed instances A, B and C on loopback with their
own databases (workers moved by run_once()), a recording peer (a FakeRemote actor), local people signed in
through the real login form, and the requests they make: pages as a browser, AS2 documents signed as an actor.

The world lives on an event loop the test owns (hypothesis' state machines call plain methods): `world.run(c)`."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from circlefed.app import create_app
from circlefed.clock import FakeClock
from circlefed.protocol.httpsig_sign import sign_cavage
from circlefed.storage.models import Actor, InstancePolicy, TrustedInstance
from circlefed.web.keys import SITE
from tests.conftest import POSTGRES_URL, _admin_connection, _with_database, create_postgres_database, settings_for
from tests.factories import PASSWORD, member_account
from tests.fakes.remote import FakeRemote, reserved_socket, server_on

from .circles import settle, stop_worker
from .conftest import LAB, RunningInstance
from .lifecycle_forms import find_form

# Distinctive names, so that finding one in a page means the page names that person.
HOMES = {
    "A": ("zqfran", "zqfay", "zqalice", "zqamos", "zqadele"),
    "B": ("zqbea", "zqbob", "zqbert"),
    "C": ("zqcal", "zqcora"),
}
ADMIN = "zqadmin"  # A's admin: drives the admin pages; never a viewer (admins moderate every circle of A)
RECORDER = "zqrec"
ANONYMOUS = "anonymous"
HTML = {"Accept": "text/html", "X-Request-Id": "probe"}  # a fixed id: answers compare byte for byte
SIGNED_OUT_MENU = '<li><a href="/login">Log in</a></li>'  # templates/base.html, for a visitor not signed in
AS2 = "application/activity+json"
SECTIONS = {
    # Rows, not rate limits, are under test: the same people act many times a minute.
    "moderation": {"account_posts_per_minute": 0, "domain_deliveries_per_minute": 0},
}


def instance_actor(home: str) -> str:
    """The viewer key of an instance's own Application actor."""
    return f"actor@{home}"


@dataclass
class Answer:
    status: int
    text: str
    headers: dict[str, str]

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


@dataclass
class Signer:
    uri: str
    key_id: str
    private_pem: str

    def __repr__(self) -> str:  # hypothesis prints what a failing example held: never a private key
        return f"Signer({self.uri})"


class Databases:
    """Fresh migrated databases on the test's backend, copied from the session's template (as conftest does)."""

    def __init__(self, backend: str, templates: dict[str, str], directory) -> None:
        self.backend, self.templates, self.directory, self.created = backend, templates, directory, []

    async def make(self) -> str:
        if self.backend == "sqlite":
            path = self.directory / f"lifecycle-{len(self.created)}.sqlite3"
            shutil.copyfile(self.templates["sqlite"], path)
            self.created.append(str(path))
            return f"sqlite://{path}"
        name = f"cf_test_{uuid.uuid4().hex[:12]}"
        admin = await _admin_connection()
        try:
            await create_postgres_database(admin, name, self.templates["postgres"])
        finally:
            await admin.close()
        self.created.append(name)
        return _with_database(POSTGRES_URL, name)

    async def drop(self) -> None:
        if self.backend != "postgres":
            return
        admin = await _admin_connection()
        try:
            for name in self.created:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


class World:
    """Not a dataclass: hypothesis prints a failing example's objects, and these hold private keys."""

    def __init__(self, loop: asyncio.AbstractEventLoop, clock: FakeClock) -> None:
        self.loop, self.clock = loop, clock
        self.instances: dict[str, RunningInstance] = {}
        self.recorder: FakeRemote | None = None
        self.signers: dict[str, Signer] = {}  # viewer key -> how it signs
        self.home_of: dict[str, str] = {}  # person -> "A" | "B" | "C" (the recorder: "R")
        self.browsers: dict[str, aiohttp.ClientSession] = {}  # person (and ADMIN) -> signed-in browser
        self.http: aiohttp.ClientSession | None = None  # no cookies: anonymous pages and AS2 fetches
        self.config: dict[str, str] = {}  # instance -> its settings file, for the command line
        self.seen_inbox: dict[str, int] = {}  # instance -> the last inbox item checked
        self.seen_recorder = 0  # deliveries to the recorder checked
        self._signatures: dict[tuple[str, str], dict[str, str]] = {}
        self._signed_at = clock.now()

    def __repr__(self) -> str:
        return "World(A, B, C, recorder)"

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def base(self, home: str) -> str:
        return self.instances[home].base_url

    def domain(self, home: str) -> str:
        return self.instances[home].domain

    def uri_of(self, person: str) -> str:
        return self.signers[person].uri

    async def queues_left(self) -> str:
        """What each instance's queues still hold (for a failure's report): deliveries and inbox items not done."""
        from circlefed.storage.models import Delivery, InboxItem, Instance, QueueState

        lines = []
        for home, instance in self.instances.items():
            with instance.db():
                waiting = await Delivery.exclude(state__in=[QueueState.DELIVERED, QueueState.CANCELLED]).values_list(
                    "id", "domain", "state", "attempts", "last_status", "last_error", "next_attempt_at")
                items = await InboxItem.exclude(state=QueueState.DELIVERED).values_list("id", "state", "last_error")
                backoff = await Instance.filter(backoff_until__isnull=False).values_list("domain", "backoff_until")
            lines.append(f"{home}: deliveries {waiting[-8:]} inbox {items[-8:]} backoff {backoff}")
        return "\n".join(lines)

    async def settle(self) -> None:
        await settle(*self.instances.values(), rounds=60)

    async def page(self, viewer: str, home: str, path: str) -> Answer:
        """GET a page of `home` as a browser: signed in as `viewer` (one of its people), or anonymous. A session
        that ended (the instances' clock moves by days; a session lasts 14 days) is started again through the login
        form: on a redirect to it, or on any page that shows the signed-out menu (a copy of a remote circle answers
        a signed-out visitor 404, with that menu, and must not be taken for what the member sees)."""
        answer = await self._get_page(viewer, home, path)
        signed_out = (answer.status == 303 and answer.location.startswith("/login")) or SIGNED_OUT_MENU in answer.text
        if viewer != ANONYMOUS and signed_out and path != "/login":
            await sign_in(self, viewer)
            answer = await self._get_page(viewer, home, path)
        return answer

    async def _get_page(self, viewer: str, home: str, path: str) -> Answer:
        browser = self.http if viewer == ANONYMOUS else self.browsers[viewer]
        async with browser.get(self.base(home) + path, headers=HTML, allow_redirects=False) as response:
            return Answer(response.status, await response.text(), dict(response.headers))

    async def fetch(self, viewer: str, url: str) -> Answer:
        """GET an AS2 document, signed now (the instances' clock) by `viewer`'s key, or unsigned."""
        headers = {"Accept": AS2}
        if viewer != ANONYMOUS:
            headers.update(self._signature(viewer, url))
        async with self.http.get(url, headers={**headers, "X-Request-Id": "probe"}, allow_redirects=False) as response:
            return Answer(response.status, await response.text(), dict(response.headers))

    async def post(self, person: str, home: str, path: str, form: dict[str, str]) -> Answer:
        """POST a form as `person`'s browser, as it is (for forms a page does not offer, e.g. a probe)."""
        async with self.browsers[person].post(
            self.base(home) + path, data=form, headers=HTML, allow_redirects=False
        ) as response:
            return Answer(response.status, await response.text(), dict(response.headers))

    def _signature(self, viewer: str, url: str) -> dict[str, str]:
        """Signed at the instances' clock: the same request signed twice in one moment is the same bytes (RSA
        PKCS#1 v1.5 is deterministic), so a signature is kept for as long as the clock stands still."""
        if self._signed_at != self.clock.now() or len(self._signatures) > 20_000:
            self._signatures.clear()
            self._signed_at = self.clock.now()
        key = (viewer, url)
        if key not in self._signatures:
            signer = self.signers[viewer]
            self._signatures[key] = sign_cavage(
                method="GET", url=url, headers={"Accept": AS2}, body=None, key_id=signer.key_id,
                private_key_pem=signer.private_pem, now=self.clock.now(),
            )
        return self._signatures[key]

    async def submit(
        self, person: str, page: str, action: str, choices: dict | None = None, *, button: str | None = None,
        after: str | None = None, until: str | None = None, **hidden: str,
    ) -> Answer | None:
        """Open `page` as `person`, find the form posting to `action` (with these hidden values, between the
        texts `after` and `until`: lifecycle_forms.find_form) and send what it sends with `choices`; None when the
        page offers no such form (the product refuses the action)."""
        home = self.home_of[person]
        shown = await self.page(person, home, page)
        form = find_form(shown.text, action, after=after, until=until, **hidden) if shown.status == 200 else None
        if form is None:
            return None
        target = form.action if form.action.startswith("http") else self.base(home) + form.action
        async with self.browsers[person].post(
            target, data=form.data(choices, button), headers=HTML, allow_redirects=False
        ) as response:
            return Answer(response.status, await response.text(), dict(response.headers))

    async def confirm(self, person: str, answer: Answer | None, action: str) -> Answer | None:
        """When `answer` is a confirmation page (a destructive action asks once more), press its button; else
        `answer` as it is."""
        form = find_form(answer.text, action, confirmed="yes") if answer is not None and answer.status == 200 else None
        if form is None:
            return answer
        home = self.home_of[person]
        target = form.action if form.action.startswith("http") else self.base(home) + form.action
        async with self.browsers[person].post(target, data=form.data(), headers=HTML, allow_redirects=False) as sent:
            return Answer(sent.status, await sent.text(), dict(sent.headers))

    async def close(self) -> None:
        for browser in self.browsers.values():
            await browser.close()
        if self.http is not None:
            await self.http.close()
        for instance in self.instances.values():
            await instance.server.close()
        if self.recorder is not None:
            await self.recorder.close()


async def _start(databases: Databases, clock: FakeClock, config: Path) -> RunningInstance:
    sock = reserved_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    url = await databases.make()
    settings = settings_for(url, base_url=base_url, federation=dict(LAB), **SECTIONS)
    config.write_text(f'[instance]\nbase_url = "{base_url}"\n[database]\nurl = "{url}"\n', encoding="utf-8")
    app = create_app(settings, clock=clock)
    server = server_on(app, sock)
    await server.start_server()
    await stop_worker(app)  # the test moves the queues with run_once() and runs the periodic jobs itself
    return RunningInstance(app, server, base_url, base_url.removeprefix("http://"))


async def _account(world: World, home: str, name: str, *, is_admin: bool = False) -> None:
    instance = world.instances[home]
    with instance.db():
        account = await member_account(instance.app[SITE], name, is_admin=is_admin)
        actor = await account.actor
    world.signers[name] = Signer(actor.uri, actor.public_key_id, actor.private_key_pem)
    world.home_of[name] = home
    browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # unsafe: an IP-address host
    world.browsers[name] = browser
    await sign_in(world, name)


async def sign_in(world: World, name: str) -> None:
    """Through the login form, as a person at a shared computer would (after a session ended, too)."""
    answer = await world.submit(name, "/login", "/login", {"username": name, "password": PASSWORD})
    assert answer is not None and answer.status == 303, f"{name} could not sign in"


async def trust_partners(world: World) -> None:
    """What every sequence starts from: A trusts B (not C), B trusts A, nobody shares real names."""
    for home, partner in (("A", "B"), ("B", "A")):
        with world.instances[home].db():
            await TrustedInstance.exclude(domain=world.domain(partner)).delete()
            await TrustedInstance.get_or_create(domain=world.domain(partner))
            await InstancePolicy.all().update(share_real_names=False)


async def open_world(databases: Databases, loop: asyncio.AbstractEventLoop) -> World:
    world = World(loop, FakeClock(datetime.now(UTC)))
    world.http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    for home in HOMES:
        config = databases.directory / f"lifecycle-{home}.toml"
        world.instances[home] = await _start(databases, world.clock, config)
        world.config[home] = str(config)
    for home, names in HOMES.items():
        for name in names:
            await _account(world, home, name)
        instance = world.instances[home]
        with instance.db():
            row = await Actor.get(local_name="actor", is_local=True)
        world.signers[instance_actor(home)] = Signer(row.uri, row.public_key_id, row.private_key_pem)
    await _account(world, "A", ADMIN, is_admin=True)
    await trust_partners(world)
    world.recorder = await FakeRemote().start()
    fake = world.recorder.add_actor(RECORDER)
    world.signers[RECORDER] = Signer(fake.uri, fake.key_id, fake.private_pem)
    world.home_of[RECORDER] = "R"
    await _meet(world)
    return world


async def _meet(world: World) -> None:
    """Every instance reads every remote viewer's actor (and its instance's NodeInfo) once, before the first
    sequence: what an instance learns at first contact is then the same for every sequence."""
    for home in HOMES:
        for viewer in list(world.signers):
            if world.home_of.get(viewer, viewer.removeprefix("actor@")) != home:
                await world.fetch(viewer, f"{world.base(home)}/c/nobody-here")
