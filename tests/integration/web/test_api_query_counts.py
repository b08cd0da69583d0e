"""The client API's lists of statuses cost a fixed number of database statements, whatever their length: the home
timeline, a member's own statuses and the notifications list read the same few statements for a page of 40
items as for a page of a dozen (3 circles, 5 authors, likes and replies), so that an app's refresh stays fast as
circles grow. Counted statements, not timings: a count does not depend on the machine."""

from __future__ import annotations

import traceback

import pytest

from circlefed.services import posting
from circlefed.storage.models import Actor, Post, Thread, Visibility
from tests.factories import approved_member, site_of
from tests.integration.web.api_readers import Writer, token_of
from tests.integration.web.member_world import circle, person
from tests.integration.web.oauth_flow import register

pytestmark = pytest.mark.storage
HOME = "/api/v1/timelines/home?limit=40"
NOTIFICATIONS = "/api/v1/notifications?limit=40"
# The domain's check of each notification (domain/notification_checks.py may_see) reads its subject row by row;
# it is counted apart from the rendering of the list, which is what these tests bound.
DOMAIN_CHECK = "circlefed/domain/notification"
# A full page may read a few statements more than a short one, never more for more items: the rows sharing the
# last millisecond of each table (domain/timelines.py), the threads of replies whose thread is not on the page.
SLACK = 3


class Counter:
    """The statements every connection of the store's client class runs while `on`."""

    def __init__(self, monkeypatch, client_class) -> None:
        self.on, self.statements, self.checks = False, [], []
        for name in ("execute_query", "execute_query_dict", "execute_insert", "execute_many"):
            monkeypatch.setattr(client_class, name, self._counting(getattr(client_class, name)))

    def _counting(self, original):
        counter = self

        async def counting(client, query, values=None):
            if counter.on:
                checking = any(DOMAIN_CHECK in frame.filename for frame in traceback.extract_stack())
                (counter.checks if checking else counter.statements).append(query)
            return await original(client, query, values)

        return counting


class World:
    """robin's three circles (public, members only, local only), five authors, and a way to add items: each step
    someone starts a thread, robin replies to it, they reply to one of robin's threads (a mention for robin) and
    like robin's reply (a favourite for robin)."""

    def __init__(self, settings, clock, robin: Actor, others: list[Actor], circles: list) -> None:
        self.write, self.site, self.clock = Writer(settings, clock), site_of(settings), clock
        self.robin, self.others, self.circles = robin, others, circles
        self.robins: list[Thread] = []
        self.steps = 0

    async def start(self) -> None:
        for number, where in enumerate(self.circles):
            self.robins.append(await self.write.thread(where, self.robin, f"Robin's evenings {number}"))

    async def grow(self, steps: int) -> None:
        for _ in range(steps):
            step, self.steps = self.steps, self.steps + 1
            author, where = self.others[step % len(self.others)], self.circles[step % len(self.circles)]
            theirs = await self.write.thread(where, author, f"Mornings {step}")
            own = await self.write.reply(theirs, self.robin, f"I hear you ({step}).")
            await self.write.reply(self.robins[step % len(self.robins)], author, f"Mine too ({step}).")
            await posting.toggle_like(self.site, where, own, author, now=self.clock.now())


@pytest.fixture
async def world(settings, clock, grief, member):
    fran = await Actor.get(local_name="fran")
    robin = await member.actor
    others = [fran, *[await person(settings, name) for name in ("sam", "ana", "lee")]]
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    dawn = await circle(settings, "dawn", visibility=Visibility.LOCAL, facilitator=fran)
    for where in (grief, quiet, dawn):
        for who in [robin, *others[1:]]:
            if where is not grief or who is not robin:
                await approved_member(where, who)
    made = World(settings, clock, robin, others, [grief, quiet, dawn])
    await made.start()
    return made


async def counted(client, counter: Counter, path: str, headers) -> tuple[int, list]:
    """(statements run outside the domain's own notification check, the answer) of one request."""
    counter.statements, counter.checks, counter.on = [], [], True
    response = await client.get(path, headers=headers)
    counter.on = False
    assert response.status == 200, await response.text()
    return len(counter.statements), await response.json()


async def short_and_long(client, world: World, monkeypatch, paths: list[str], headers) -> tuple[dict, dict]:
    """Each path's (statements, answer) after 10 steps, then after 40."""
    counter = Counter(monkeypatch, type(Thread._meta.db))
    await world.grow(10)
    short = {path: await counted(client, counter, path, headers) for path in paths}
    await world.grow(30)
    assert await Post.filter(deleted_at=None).count() == 80
    return short, {path: await counted(client, counter, path, headers) for path in paths}


def assert_fixed(short: dict, long: dict) -> None:
    for path, (few, _) in short.items():
        many = long[path][0]
        assert many <= few + SLACK, f"{path}: {few} statements for a short page, {many} for a full one"


async def test_home_and_an_accounts_statuses_cost_the_same_statements_short_or_long(
    client, world, member, monkeypatch
):
    robin = await token_of(client, await register(client), "robin")
    own = f"/api/v1/accounts/{member.id}/statuses?limit=40"
    short, long = await short_and_long(client, world, monkeypatch, [HOME, own], robin)
    assert [len(answer) for _, answer in short.values()] == [33, 13], "a dozen or a few dozen statuses"
    assert [len(answer) for _, answer in long.values()] == [40, 40], "full pages"
    home = long[HOME][1]
    assert len({status["account"]["id"] for status in home}) == 15, "five authors as each circle names them"
    assert {status["in_reply_to_id"] is None for status in home} == {True, False}, "threads and replies"
    assert any(status["favourites_count"] for status in long[own][1]), "liked statuses"
    assert_fixed(short, long)


async def test_the_notifications_list_costs_the_same_statements_short_or_long(client, world, monkeypatch):
    robin = await token_of(client, await register(client), "robin")
    short, long = await short_and_long(client, world, monkeypatch, [NOTIFICATIONS], robin)
    assert len(short[NOTIFICATIONS][1]) == 20 and len(long[NOTIFICATIONS][1]) == 40
    told = long[NOTIFICATIONS][1]
    assert {item["type"] for item in told} == {"mention", "favourite"} and len({n["status"]["id"] for n in told}) == 40
    assert_fixed(short, long)
