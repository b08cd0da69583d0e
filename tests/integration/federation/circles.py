"""Helpers for circle federation tests: quiet instances driven by run_once(), tests/factories.py on an instance's
database (members, circles), and settling."""

from __future__ import annotations

import re

import aiohttp

from circlefed.federation.actions import perform
from circlefed.federation.remote.follows import join_remote_circle
from circlefed.storage.models import Actor, Circle, Delivery, InboxItem, QueueState, Visibility
from circlefed.web.keys import CLOCK, FEDERATION, PERIODIC_JOBS, RUNNER, SITE
from tests.factories import PASSWORD, local_circle, local_person

HTML = {"Accept": "text/html"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def start_quiet(start_instance, **sections):
    """An instance whose background worker is stopped: tests move its queues with run_once() and run its periodic
    jobs with run_periodic_jobs() only."""
    instance = await start_instance(**sections)
    await stop_worker(instance.app)
    return instance


async def stop_worker(app) -> None:
    """Stop the queue worker and the periodic jobs beside it (ban ends, retention): left running, they would
    fire on the wall clock, at a moment a test does not choose."""
    await app[RUNNER].stop()
    for job in app[PERIODIC_JOBS]:
        await job.stop()


async def run_periodic_jobs(*instances) -> None:
    """What each instance's worker does once a minute or an hour has passed on its clock: end bans that are due,
    delete what outlived its retention period."""
    for instance in instances:
        with instance.db():
            for job in instance.app[PERIODIC_JOBS]:
                await job.run_once()


async def settle(*instances, rounds: int = 20) -> None:
    """Run every instance's worker until no instance has anything left to do (deliveries between them flow
    over real signed HTTP during the rounds)."""
    for _ in range(rounds):
        worked = 0
        for instance in instances:
            with instance.db():
                counts = await instance.app[RUNNER].run_once()
            worked += sum(counts.deliveries.values()) + sum(counts.inbox.values())
        if not worked:
            return
    raise AssertionError("the instances did not settle")


async def member(instance, name: str, *, is_admin: bool = False) -> Actor:
    with instance.db():
        return await local_person(instance.app[SITE], name, is_admin=is_admin)


async def member_url(instance, name: str = "robin") -> str:
    """The address of a new member's Person document on the instance."""
    return (await member(instance, name)).uri


async def circle(instance, slug: str, facilitator: Actor, **fields) -> Circle:
    with instance.db():
        created = await local_circle(
            instance.app[SITE], slug, facilitator, visibility=fields.pop("visibility", Visibility.PUBLIC)
        )
        if fields:
            await created.update_from_dict(fields).save()
        return created


async def act(instance, change):
    """Flow 2 on an instance: a domain change (a coroutine) and what it publishes, in one transaction."""
    with instance.db():
        return await perform(instance.app[SITE], change, now=instance.app[CLOCK].now())


async def join(instance, who: Actor, handle: str):
    """A local member joins a (usually remote) circle by handle."""
    with instance.db():
        return await join_remote_circle(instance.app[FEDERATION], who, handle)


async def remote_circle_on(instance, group_uri: str) -> Circle:
    with instance.db():
        return await Circle.get(actor__uri=group_uri)


async def browser_of(instance, name: str) -> aiohttp.ClientSession:
    """A cookie-keeping HTTP session of the account `name`, signed in through the instance's real login form
    (close it after the test)."""
    browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # unsafe: an IP-address host
    async with browser.get(f"{instance.base_url}/login", headers=HTML) as response:
        token = _CSRF.search(await response.text()).group(1)
    form = {"csrf_token": token, "username": name, "password": PASSWORD}
    async with browser.post(f"{instance.base_url}/login", data=form, allow_redirects=False) as response:
        assert response.status == 303, f"{name} could not sign in: {response.status}"
    return browser


async def inbox_states(instance) -> list[tuple[str, str, str | None]]:
    """(activity type, state, last error) of every inbox item, oldest first."""
    with instance.db():
        return [(i.payload.get("type"), i.state.value, i.last_error) for i in await InboxItem.all().order_by("id")]


async def failed_deliveries(instance) -> list[str]:
    with instance.db():
        return [d.inbox_uri for d in await Delivery.filter(state=QueueState.FAILED)]
