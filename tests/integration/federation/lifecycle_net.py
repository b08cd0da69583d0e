"""A members circle across real instances, for the confidentiality-over-time cases: A hosts it, B is trusted.

People: fran facilitates on A, zqrobin is a member on A, zqbea a member on B, zqbob an account on B who is in no
circle. Every step between the instances is real signed HTTP (settle() runs the workers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp

from circlefed.clock import Clock
from circlefed.domain import memberships, threads
from circlefed.protocol.httpsig_sign import sign_cavage
from circlefed.storage.models import Actor, Circle, Thread, TrustedInstance, Visibility
from circlefed.web.keys import CLOCK, SITE

from .circles import HTML, act, browser_of, circle, join, member, remote_circle_on, settle, start_quiet

AS2 = {"Accept": "application/activity+json"}


@dataclass
class LifecycleNet:
    a: object
    b: object
    fran: Actor
    robin: Actor
    bea: Actor
    bob: Actor
    quiet: Circle
    browsers: dict[str, aiohttp.ClientSession]

    def now(self) -> datetime:
        return self.a.app[CLOCK].now()

    async def post(self, title: str, author: Actor | None = None) -> Thread:
        started = await act(
            self.a, threads.start_thread(self.a.app[SITE], self.quiet, author or self.fran, title=title,
                                         source=f"{title} body", now=self.now()),
        )
        await settle(self.a, self.b)
        return started.thread

    async def on_b(self) -> Circle:
        return await remote_circle_on(self.b, self.quiet_uri)

    @property
    def quiet_uri(self) -> str:
        return f"{self.a.base_url}/c/quiet"

    async def page(self, who: str, url: str) -> tuple[int, str]:
        async with self.browsers[who].get(url, headers=HTML, allow_redirects=False) as response:
            return response.status, await response.text()

    async def close(self) -> None:
        for browser in self.browsers.values():
            await browser.close()


async def lifecycle_net(
    start_instance, *, visibility: Visibility = Visibility.MEMBERS, clock: Clock | None = None
) -> LifecycleNet:
    """The net above; with a `clock`, both instances keep its time."""
    a, b = await start_quiet(start_instance, clock=clock), await start_quiet(start_instance, clock=clock)
    fran, robin = await member(a, "fran"), await member(a, "zqrobin")
    bea, bob = await member(b, "zqbea"), await member(b, "zqbob")
    quiet = await circle(a, "quiet", fran, visibility=visibility)
    with a.db():
        await TrustedInstance.create(domain=b.domain)
    await act(a, memberships.request_join(quiet, robin, now=a.app[CLOCK].now()))
    await join(b, bea, f"@quiet@{a.domain}")
    await settle(a, b)
    with a.db():
        for who in (robin.uri, bea.uri):
            joiner = await Actor.get(uri=who)
            if not await memberships.is_member(quiet, joiner):
                await act(a, memberships.approve_membership(quiet, joiner, by=fran))
    await settle(a, b)
    browsers = {"fran": await browser_of(a, "fran"), "zqrobin": await browser_of(a, "zqrobin")}
    browsers |= {"zqbea": await browser_of(b, "zqbea"), "zqbob": await browser_of(b, "zqbob")}
    return LifecycleNet(a, b, fran, robin, bea, bob, quiet, browsers)


def signed_by(actor: Actor, url: str) -> dict:
    """AS2 GET headers signed now with a local actor's own key (as its instance would sign for it)."""
    return sign_cavage(
        method="GET", url=url, headers=dict(AS2), body=None, key_id=actor.public_key_id,
        private_key_pem=actor.private_key_pem, now=datetime.now(UTC),
    )
