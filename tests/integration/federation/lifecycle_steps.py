"""The steps of the stateful leak test (issue 14) with plain arguments: each acts through the product
(lifecycle_actions.py), lets the instances settle, tells the oracle what the semantics say happened and records
what it changed for the next crawl. What makes sense to do now (who may be approved, banned, may post...) is
the oracle's view, so that sequences stay meaningful; a refusal by the product is kept as a refusal."""

from __future__ import annotations

import itertools
import os
import time
from datetime import timedelta

from hypothesis.stateful import RuleBasedStateMachine

from circlefed.storage.models import Actor, Visibility

from . import lifecycle_actions as do
from . import lifecycle_posting as posts
from .circles import circle as make_circle
from .circles import run_periodic_jobs
from .lifecycle_check import check_world, fail
from .lifecycle_oracle import LEVELS, PUBLIC, Oracle, Standing
from .lifecycle_oracle import Circle as Model
from .lifecycle_plan import Change
from .lifecycle_world import RECORDER, World, trust_partners

CIRCLES = {"x1": ("A", "zqfran"), "x2": ("A", "zqfay"), "y1": ("B", "zqbea")}
JOINERS = ("zqalice", "zqamos", "zqbea", "zqbob", "zqcal", "zqfran", "zqfay")
_texts = itertools.count(1)  # markers, reasons and names stay unique across sequences
TRACE = os.environ.get("CIRCLEFED_LIFECYCLE_TRACE") == "1"  # print each step and its check
PROGRESS = os.environ.get("CIRCLEFED_LIFECYCLE_PROGRESS") == "1"  # a line per sequence ended (make leakhunt)
_sequences_ended = itertools.count(1)


def marker() -> str:
    return f"zqm{next(_texts)}x"


class Steps(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.oracle = Oracle(dict(world.home_of), world.clock.now())
        self.uris: dict[str, str] = {}  # row key -> its URI
        self.groups: dict[str, str] = {}  # circle key -> its Group URI
        self.history: list[str] = []
        self.change = Change()
        self.rows_made = itertools.count(1)
        self.known: set[tuple[str, str]] = set()  # URLs the last crawl knew
        self.step = 0

    def run(self, coroutine):
        return self.world.run(coroutine)

    def _did(self, happened: bool, call: str, **change) -> bool:
        """After an action: record it; when it happened, the instances settle and the next check crawls."""
        self.history.append(f"{call}{'' if happened else '  # refused'}")
        if TRACE:
            print(f"  {self.history[-1]}", flush=True)
        if happened:
            self.run(self.world.settle())
            for name, value in change.items():
                getattr(self.change, name).update(value)
        return happened

    # -- what makes sense now ---------------------------------------------------------------------------------
    def state(self, circle: str, person: str) -> str:
        return self.oracle.standing(circle, person).state

    def pairs(self, test, people=JOINERS) -> list[tuple[str, str]]:
        return [(c, p) for c in CIRCLES for p in people if test(c, p)]

    def joinable(self):
        return self.pairs(lambda c, p: p != CIRCLES[c][1] and self.state(c, p) not in ("pending", "approved"))

    def invitable(self):
        """Local people a circle's facilitator may invite: not in it yet, or waiting (the link lets them in)."""
        return self.pairs(lambda c, p: p != CIRCLES[c][1] and not self.oracle.is_remote(c, p)
                          and self.state(c, p) != "approved")

    def followable(self):
        return [c for c, m in self.oracle.circles.items()
                if m.level == PUBLIC and self.state(c, RECORDER) not in ("pending", "approved")]

    def in_state(self, state: str):
        return self.pairs(lambda c, p: self.state(c, p) == state, (*JOINERS, RECORDER))

    def leavable(self):
        return self.pairs(lambda c, p: p != CIRCLES[c][1] and self.state(c, p) in ("pending", "approved"))

    def bannable(self):
        return self.pairs(lambda c, p: p != CIRCLES[c][1] and self.state(c, p) in ("pending", "approved"),
                          (*JOINERS, RECORDER))

    def banned_people(self):
        return self.pairs(lambda c, p: self.oracle.standing(c, p).ban is not None, (*JOINERS, RECORDER))

    def nameable(self):
        def has_row(c, p):
            s = self.oracle.standing(c, p)
            return (s.remote_state if self.oracle.is_remote(c, p) else s.state) in ("pending", "approved")
        return self.pairs(has_row)

    def can_post(self, circle: str, person: str) -> bool:
        remote_ok = not self.oracle.is_remote(circle, person) or self.oracle.remote_member(circle, person)
        return person != RECORDER and self.oracle.reads_as_member(circle, person) and remote_ok

    def posters(self):
        return self.pairs(self.can_post)

    def live_rows(self) -> list[str]:
        rows = self.oracle.rows
        return [k for k, r in rows.items() if not r.deleted and not rows[r.thread or k].deleted]

    def repliable(self):
        threads = [k for k in self.live_rows() if self.oracle.rows[k].thread is None]
        return [(t, p) for t in threads for p in JOINERS if self.can_post(self.oracle.rows[t].circle, p)]

    def editable(self) -> list[str]:
        return [k for k in self.live_rows() if self.can_post(self.oracle.rows[k].circle, self.oracle.rows[k].author)]

    def reportable(self):
        return [(k, p) for k in self.live_rows() for p in JOINERS
                if p != self.oracle.rows[k].author and self.can_post(self.oracle.rows[k].circle, p)]

    # -- the circles of one sequence --------------------------------------------------------------------------
    def do_circles(self, x1: str, x2: str, y1: str) -> None:
        number = next(_texts)
        for key, level in (("x1", x1), ("x2", x2), ("y1", y1)):
            host, facilitator = CIRCLES[key]
            slug = f"{key}n{number}"
            self.run(self._make(key, host, facilitator, slug, level))
            model = Model(key, host, facilitator, LEVELS[level], slug, requires_approval=level != "public")
            model.people[facilitator] = Standing("approved", facilitator=True)
            self.oracle.circles[key] = model
        self._did(True, f"do_circles({x1!r}, {x2!r}, {y1!r})", members=set(CIRCLES))

    async def _make(self, key: str, host: str, facilitator: str, slug: str, level: str) -> None:
        instance = self.world.instances[host]
        with instance.db():
            actor = await Actor.get(uri=self.world.uri_of(facilitator))
        made = await make_circle(instance, slug, actor, visibility=Visibility(level))
        with instance.db():
            self.groups[key] = (await Actor.get(id=made.actor_id)).uri

    def teardown(self) -> None:
        self.run(self._clear())
        if PROGRESS:
            print(f"sequence {next(_sequences_ended)} ended: {len(self.history)} steps, {self.step} checks, "
                  f"{time.strftime('%H:%M:%S')}", flush=True)

    async def _clear(self) -> None:
        """The sequence's circles go (with everything in them, on every instance), and A's policy is reset."""
        for instance in self.world.instances.values():
            with instance.db():
                await Actor.filter(uri__in=list(self.groups.values()) or ["-"]).delete()
                await Actor.filter(uri__contains="/u/m_").delete()  # pseudonymous actors of those circles
        await trust_partners(self.world)

    def slug(self, circle: str) -> str:
        return self.oracle.circles[circle].slug

    def page_of(self, person: str, circle: str) -> str | None:
        return self.run(posts.circle_page(self.world, person, self.groups[circle]))

    def thread_of(self, row: str) -> tuple[str, str, str]:
        """(Group URI, thread URI, the thread's title now) of a row."""
        model = self.oracle.rows[row]
        thread = self.oracle.rows[model.thread or row]
        return self.groups[model.circle], self.uris[thread.key], thread.current[0]

    def words_of(self, row: str) -> str:
        """The row's words a person finds it by on its thread page (a thread: its opening post's)."""
        return self.oracle.rows[row].current[-1]

    # -- membership -------------------------------------------------------------------------------------------
    def do_join(self, circle: str, person: str) -> None:
        c = self.oracle.circles[circle]
        if self.oracle.is_remote(circle, person):
            handle = f"@{c.slug}@{self.world.domain(c.host)}"
            happened = self.run(do.join_by_handle(self.world, person, handle))
        else:
            happened = self.run(do.join_here(self.world, person, f"/c/{c.slug}"))
        if self._did(happened, f"do_join({circle!r}, {person!r})", members={circle}, viewers={person}):
            self.oracle.join(circle, person)

    def do_join_by_invitation(self, circle: str, person: str) -> None:
        c = self.oracle.circles[circle]
        happened = self.run(do.join_by_invitation(self.world, c.facilitator, person, c.slug))
        if self._did(happened, f"do_join_by_invitation({circle!r}, {person!r})", members={circle},
                     viewers={person}):
            self.oracle.approve(circle, person)

    def do_recorder_follows(self, circle: str) -> None:
        happened = self.run(do.recorder_follows(self.world, self.groups[circle]))
        if self._did(happened, f"do_recorder_follows({circle!r})", members={circle}, viewers={RECORDER}):
            self.oracle.join(circle, RECORDER)

    def do_decide(self, circle: str, person: str, verdict: str) -> None:
        c = self.oracle.circles[circle]
        happened = self.run(do.decide(self.world, c.facilitator, c.slug, self.world.uri_of(person), verdict,
                                      reason="not the right circle for you"))
        if not happened:
            self.oracle.standing(circle, person).state = "none"  # the host holds no such request
        if self._did(happened, f"do_decide({circle!r}, {person!r}, {verdict!r})", members={circle},
                     viewers={person}):
            (self.oracle.approve if verdict == "approve" else self.oracle.reject)(circle, person)

    def do_leave(self, circle: str, person: str) -> None:
        path = self.page_of(person, circle)
        happened = path is not None and self.run(do.leave(self.world, person, path))
        if self._did(happened, f"do_leave({circle!r}, {person!r})", members={circle}, viewers={person}):
            self.oracle.leave(circle, person)

    def do_ban(self, circle: str, person: str, days: int | None, share: bool) -> None:
        reason, c = f"zqr{next(_texts)}x", self.oracle.circles[circle]
        happened, shared = self.run(do.ban(self.world, c.facilitator, c.slug, self.world.uri_of(person),
                                           reason=reason, days=days, share=share))
        if self._did(happened, f"do_ban({circle!r}, {person!r}, {days!r}, {share!r})", members={circle},
                     viewers={person}):
            until = self.world.clock.now() + timedelta(days=days) if days else None
            self.oracle.ban(circle, person, reason, shared=shared, until=until)

    def do_unban(self, circle: str, person: str) -> None:
        c = self.oracle.circles[circle]
        happened = self.run(do.unban(self.world, c.facilitator, c.slug, self.world.uri_of(person)))
        if self._did(happened, f"do_unban({circle!r}, {person!r})", members={circle}, viewers={person}):
            self.oracle.unban(circle, person)

    def do_time_passes(self) -> None:
        """A day and a bit: bans with an end time end (each instance's worker lifts them, as it would within the
        minute)."""
        ending = {(c, p) for c, p, ban in self.oracle.bans if ban.until}
        self.world.clock.advance(timedelta(days=1, hours=1))
        self.run(run_periodic_jobs(*self.world.instances.values()))
        self.oracle.now = self.world.clock.now()
        self._did(True, "do_time_passes()", members={c for c, _ in ending}, viewers={p for _, p in ending})

    # -- circles and the instance's policy --------------------------------------------------------------------
    def do_change_visibility(self, circle: str, level: str, cli: bool) -> None:
        """On the facilitator's settings page when it offers the level, else (or by choice) with the CLI."""
        c = self.oracle.circles[circle]
        happened = not cli and self.run(do.visibility_page(self.world, c.facilitator, c.slug, level))
        if not happened:
            happened = self.run(do.visibility_cli(self.world, c.host, c.slug, level))
        if self._did(happened, f"do_change_visibility({circle!r}, {level!r}, {cli!r})", access={circle}):
            self.oracle.set_level(circle, LEVELS[level])

    def do_choose_name(self, circle: str, person: str, generated: bool) -> None:
        name = None if generated else f"Zqn{next(_texts)}x"
        happened = self.run(do.display_name(self.world, person, self.groups[circle], name))
        wrote = {self.uris[k] for k, r in self.oracle.rows.items() if r.circle == circle and r.author == person}
        if self._did(happened, f"do_choose_name({circle!r}, {person!r}, {generated!r})", content={circle},
                     rows=wrote, viewers={person}):
            self.oracle.chosen.setdefault((person, circle), []).extend([name] if name else [])
            self.oracle.name_now[(person, circle)] = name

    def do_real_names(self, on: bool) -> None:
        happened = self.run(do.real_names(self.world, on))
        if self._did(happened, f"do_real_names({on!r})", people={"x1", "x2"}):
            self.oracle.real_names["A"] = on

    def do_trust(self, instance: str, on: bool) -> None:
        happened = self.run(do.trust(self.world, self.world.domain(instance), on))
        people = {p for p, home in self.world.home_of.items() if home == instance}
        if self._did(happened, f"do_trust({instance!r}, {on!r})", members={"x1", "x2"}, viewers=people):
            self.oracle.trust["A"][instance] = on

    # -- posts ------------------------------------------------------------------------------------------------
    def do_post_thread(self, circle: str, person: str) -> None:
        title, body = marker(), marker()
        uri = self.run(posts.start_thread(self.world, person, self.groups[circle], title, f"{body} words"))
        if self._did(uri is not None, f"do_post_thread({circle!r}, {person!r})", content={circle}, rows={uri}):
            row = self.oracle.post(f"t{next(self.rows_made)}", circle, person, [title, body])
            host = self.world.base(self.oracle.circles[circle].host)
            row.path = uri.removeprefix(host) if uri.startswith(host + "/") else None
            self.uris[row.key] = uri

    def do_reply(self, thread: str, person: str) -> None:
        group, thread_uri, title = self.thread_of(thread)
        body = marker()
        uri = self.run(posts.reply(self.world, person, group, (thread_uri, title), f"{body} words"))
        circle = self.oracle.rows[thread].circle
        if self._did(uri is not None, f"do_reply({thread!r}, {person!r})", content={circle}, rows={uri, thread_uri}):
            row = self.oracle.post(f"p{next(self.rows_made)}", circle, person, [body], thread=thread)
            self.uris[row.key] = uri

    def do_edit(self, row: str) -> None:
        model = self.oracle.rows[row]
        group, thread_uri, title = self.thread_of(row)
        texts = [marker(), marker()] if model.thread is None else [marker()]
        fields = {"title": texts[0], "body": f"{texts[-1]} words"} if model.thread is None else {
            "body": f"{texts[0]} words"}
        happened = self.run(posts.edit(self.world, model.author, group, (thread_uri, title), self.words_of(row),
                                       fields))
        if self._did(happened, f"do_edit({row!r})", content={model.circle}, rows={self.uris[row], thread_uri}):
            self.oracle.edit(model, texts)

    def do_delete(self, row: str) -> None:
        model = self.oracle.rows[row]
        group, thread_uri, title = self.thread_of(row)
        happened = self.run(posts.under_post(self.world, model.author, group, (thread_uri, title),
                                             self.words_of(row), "/delete"))
        if self._did(happened, f"do_delete({row!r})", content={model.circle}, rows={self.uris[row], thread_uri}):
            model.deleted = True

    def do_moderate(self, row: str, what: str) -> None:
        """Remove the row, or lock or pin its thread, with the facilitator's controls under it."""
        model = self.oracle.rows[row]
        group, thread_uri, title = self.thread_of(row)
        target = row if what == "remove" else model.thread or row
        choices = {"reason": "off topic for this circle"} if what == "remove" else None
        facilitator = self.oracle.circles[model.circle].facilitator
        happened = self.run(posts.under_post(self.world, facilitator, group, (thread_uri, title),
                                             self.words_of(target), f"/{what}", choices))
        if self._did(happened, f"do_moderate({row!r}, {what!r})", content={model.circle},
                     rows={self.uris[row], thread_uri}):
            model.deleted |= what == "remove"

    def do_report(self, row: str, person: str) -> None:
        model = self.oracle.rows[row]
        group, thread_uri, title = self.thread_of(row)
        happened = self.run(posts.under_post(self.world, person, group, (thread_uri, title), self.words_of(row),
                                             "/report"))
        self._did(happened, f"do_report({row!r}, {person!r})", content={model.circle},
                  rows={self.uris[row], thread_uri})

    # -- after every step -------------------------------------------------------------------------------------
    def check(self) -> None:
        if not self.change:
            return
        started = time.perf_counter()
        failures, asked = self.run(check_world(self))
        self.step += 1
        self.change = Change()
        if TRACE:
            print(f"    checked: {asked} requests in {time.perf_counter() - started:.3f}s", flush=True)
        if failures:
            report = "leaks after these steps:\n  " + "\n  ".join(self.history) + "\n" + "\n".join(failures[:25])
            if TRACE:
                print(self.run(self.world.queues_left()), flush=True)
            fail(report, failures)
