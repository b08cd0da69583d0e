"""Rendering is pure: the per-circle pseudonyms an event's activities show are made before its publisher runs
(publish.make_pseudonyms, as publish() does), and no publisher writes an actor row while it renders."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from circlefed.domain import confidentiality as conf
from circlefed.domain.circles import create_circle
from circlefed.domain.events import Event, events_of
from circlefed.domain.memberships import approve_membership, request_join
from circlefed.domain.messages import start_conversation
from circlefed.domain.moderation import set_facilitator
from circlefed.domain.pseudonyms import attributed_actor
from circlefed.domain.reports import file_report, resolve_report
from circlefed.domain.threads import start_thread
from circlefed.federation.outbound.publish import PUBLISHERS, make_pseudonyms
from circlefed.storage.models import Actor, Circle, Instance, OutboxActivity, Report, Role, Visibility
from tests.factories import SITE, approved_member, local_person
from tests.unit.domain.circle_support import fast_accounts

pytestmark = pytest.mark.storage
__all__ = ["fast_accounts"]  # the autouse fixture
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def published(event: Event, *, made: int) -> None:
    """Publish `event` as publish() does: the pseudonym step makes `made` actor rows, the publisher none."""
    name = type(event).__name__
    async with in_transaction():
        before = await Actor.all().count()
        await make_pseudonyms(SITE, event)
        assert await Actor.all().count() == before + made, f"{name}: its pseudonyms are made before rendering"
        await PUBLISHERS[type(event)](SITE, event, now=NOW, received=None)
        assert await Actor.all().count() == before + made, f"{name}: rendering wrote an actor row"


async def pseudonym(circle: Circle, person: Actor) -> Actor:
    shown = await attributed_actor(SITE, circle, person)
    assert shown.id is not None and shown.id != person.id and shown.local_name.startswith("m_")
    return shown


async def sent(kind: str) -> OutboxActivity:
    return await OutboxActivity.filter(type=kind).order_by("-id").first()


async def test_each_publisher_renders_under_pseudonyms_made_before_it(db):
    names = ("fran", "kim", "lee", "ada", "mo", "ben")
    fran, kim, lee, ada, mo, ben = [await local_person(SITE, name) for name in names]
    quiet = await create_circle(SITE, "quiet", "Quiet", facilitator=fran, visibility=Visibility.MEMBERS)
    for member in (lee, ada, mo, ben):
        await approved_member(quiet, member)
    peer, _ = await Instance.get_or_create(domain="peer.example")
    sam = await Actor.create(
        uri="https://peer.example/users/sam", type="Person", instance=peer, preferred_username="sam",
        inbox_uri="https://peer.example/users/sam/inbox",
    )
    await approved_member(quiet, sam, role=Role.FACILITATOR)

    [asked] = events_of(await request_join(quiet, kim, now=NOW))
    await published(asked, made=0)  # a pending request shows nobody
    await published(await approve_membership(quiet, kim, by=fran, now=NOW), made=1)
    await pseudonym(quiet, kim)

    await published(await start_thread(SITE, quiet, fran, title="Hello", source="Welcome", now=NOW), made=1)
    assert (await sent("Create")).actor_id == (await pseudonym(quiet, fran)).id  # type: ignore[attr-defined]

    await published(await set_facilitator(quiet, lee, fran, now=NOW), made=1)
    add = await sent("Add")
    assert add.payload["object"] == (await pseudonym(quiet, lee)).uri
    assert add.payload["actor"] == (await pseudonym(quiet, fran)).uri

    filed = await file_report(quiet, ada, object_uris=[mo.uri], category="other", reported_actor=mo, now=NOW)
    await published(filed, made=2)
    flag = await sent("Flag")
    assert flag.payload["actor"] == (await pseudonym(quiet, ada)).uri
    assert (await pseudonym(quiet, mo)).uri in flag.payload["object"]
    report = await Report.get(id=filed.report.id)
    await published(await resolve_report(report, fran, outcome="talked it through", now=NOW), made=0)
    assert (await sent("Resolve")).payload["actor"] == (await pseudonym(quiet, fran)).uri

    await published(await start_conversation(SITE, quiet, ben, sam, source="Hello Sam", now=NOW), made=1)
    message = await sent("Create")
    assert message.payload["object"]["attributedTo"] == (await pseudonym(quiet, ben)).uri


async def test_a_circle_becoming_confidential_names_its_members_before_anything_is_sent(db):
    pat, quinn = await local_person(SITE, "pat"), await local_person(SITE, "quinn")
    circle = await create_circle(SITE, "open", "Open", facilitator=pat)
    await approved_member(circle, quinn)
    changed = await conf.set_visibility(circle, "members", by=pat, facilitator_choices=("members",))
    await published(changed, made=2)
    await pseudonym(circle, pat)
    await pseudonym(circle, quinn)
