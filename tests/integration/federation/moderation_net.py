"""Helpers for moderation tests: A hosts `grief` (fran facilitates), bea on B has joined and started a thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from circlefed.delivery.outbox import store_activity
from circlefed.domain import moderation, threads
from circlefed.federation.outbound.exits import Reach, enqueue
from circlefed.storage.models import Actor, Circle, Membership, ModerationLogEntry, Thread
from circlefed.web.keys import SITE

from .circles import act, circle, join, member, remote_circle_on, settle, start_quiet


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Net:
    a: object
    b: object
    fran: Actor  # facilitator of grief, on A
    bea: Actor  # member on B
    grief: Circle  # on A
    on_b: Circle  # A's circle as B knows it
    thread_uri: str  # a thread bea started

    async def thread_on(self, instance) -> Thread:
        with instance.db():
            return await Thread.get(uri=self.thread_uri)

    async def log_on(self, instance) -> list[tuple[str, str, str]]:
        """(moderator uri, action, target uri) of the instance's moderation log, oldest first."""
        with instance.db():
            rows = await ModerationLogEntry.all().order_by("id").prefetch_related("moderator")
            return [(row.moderator.uri, row.action, row.target_uri) for row in rows]


async def moderation_net(start_instance, **sections) -> Net:
    a, b = await start_quiet(start_instance, **sections), await start_quiet(start_instance, **sections)
    fran = await member(a, "fran")
    grief = await circle(a, "grief", fran)
    bea = await member(b, "bea")
    await join(b, bea, f"@grief@{a.domain}")
    await settle(a, b)
    on_b = await remote_circle_on(b, f"{a.base_url}/c/grief")
    started = await act(
        b, threads.start_thread(b.app[SITE], on_b, bea, title="Evenings", source="Evenings are hard.", now=now())
    )
    await settle(a, b)
    return Net(a, b, fran, bea, grief, on_b, started.thread.uri)


async def send_as(instance, actor: Actor, payload: dict, inbox: str) -> None:
    """Deliver `payload` signed by `actor` of `instance`, bypassing its domain checks (a forged action)."""
    with instance.db():
        async with in_transaction():
            activity = await store_activity(uri=payload["id"], type=payload["type"], actor=actor, payload=payload,
                                            now=now())
            await enqueue(instance.app[SITE], activity, [inbox], None, now(), reach=Reach.PUBLIC_FACE)


async def with_facilitator_and_seller(net: Net, start_instance) -> Net:
    """Adds: bea facilitates grief (`bea_on_a`, as A knows her); cal on C (`c`) joined and started a thread
    (`cal_thread`) in the circle as C knows it (`on_c`)."""
    c = await start_quiet(start_instance)
    cal = await member(c, "cal")
    await join(c, cal, f"@grief@{net.a.domain}")
    await settle(net.a, net.b, c)
    with net.a.db():
        bea_on_a = (await Membership.get(circle=net.grief, actor__uri=net.bea.uri).prefetch_related("actor")).actor
    await act(net.a, moderation.set_facilitator(net.grief, bea_on_a, net.fran, now=now()))
    on_c = await remote_circle_on(c, f"{net.a.base_url}/c/grief")
    started = await act(c, threads.start_thread(c.app[SITE], on_c, cal, title="Selling", source="pills", now=now()))
    await settle(net.a, net.b, c)
    net.c, net.cal, net.bea_on_a, net.on_c, net.cal_thread = c, cal, bea_on_a, on_c, started.thread.uri
    return net
